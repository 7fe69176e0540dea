"""Low-level readers for hostile container formats (tar streams, compressed layers)."""
