"""The audit package's PDF (reportlab): `render_pdf(data, fingerprint) -> bytes`."""

from auditapp.report.pdf.render import render_pdf

__all__ = ["render_pdf"]
