"""Sessions as material: compare two recorded sessions, serve the app to a browser."""
