"""Dialogs: new audit, open audit, and the edit-conflict prompt."""
