"""Agent runners (backends), one module per backend, all behind `base.Runner`."""
