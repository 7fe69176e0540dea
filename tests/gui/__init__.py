"""GUI tests: the real main window, driven offscreen with pytest-qt."""
