"""The main screen's controllers: each owns one concern's state and workers, and talks to the
screen by messages (up) and plain calls (down)."""
