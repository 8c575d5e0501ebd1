"""UI tests: the app, its screens and widgets, driven with Pilot; snapshots reviewed as pictures."""
