"""The Qt face: the main window, its views and dialogs, Qt item models and workers.

Only this package imports Qt. It calls `auditapp.services` and nothing below them.
"""
