"""Widgets of the app's screens, one per file, named for what the user sees."""
