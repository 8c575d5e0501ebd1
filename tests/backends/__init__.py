"""Backend tests: the openai runner against our fake server, claude and command runners, caps."""
