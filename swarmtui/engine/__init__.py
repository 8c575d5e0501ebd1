"""The engine: events, the state fold, memory, the scheduler, session folders and agent runners.

Knows no screen: nothing here imports Textual.
"""
