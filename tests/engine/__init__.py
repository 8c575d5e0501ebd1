"""Engine tests: the scheduler, the fold, Bash, writes and sessions, run for real."""
