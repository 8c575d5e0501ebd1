"""swarmtui: write, run, watch and replay swarms of AI coding agents in the terminal."""

__version__ = "0.1.0"
