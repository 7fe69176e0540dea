"""Vulnerability data, version ordering per ecosystem, matching, and lifecycle risk."""
