"""swarmtui's tests (a package, so test modules share helpers by name)."""
