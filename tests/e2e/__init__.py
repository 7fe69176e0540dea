"""End-to-end tests of evidence collection against a real Docker Engine, real archives and real
databases."""
