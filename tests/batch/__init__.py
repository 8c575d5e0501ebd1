"""Batch-language tests: parsing, dependency inference and lint, on our own corpus."""
