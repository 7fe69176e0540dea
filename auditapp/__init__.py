"""auditapp: audit preparation for containerized applications under PCI DSS."""

__version__ = "0.1.0"
