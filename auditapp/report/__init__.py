"""What auditapp hands over: the audit package, SBOMs and their checks."""
