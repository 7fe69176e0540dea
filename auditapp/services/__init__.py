"""Use cases that both faces call; every change goes through `workspace.perform`."""
