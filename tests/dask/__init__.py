"""Dask executor tests: agents on real local clusters (workers as processes, loopback, TLS)."""
