"""Qt item models over service results: the views show these, never hand-filled widgets."""
