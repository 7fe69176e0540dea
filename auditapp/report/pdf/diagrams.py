"""The audit package's vector diagrams, as flowables that fit the page frame: the network
diagram, the data-flow diagram and the blast-radius paths of one beachhead."""

from __future__ import annotations

from auditapp.report.pdf.diagram_blast import draw_blast_paths
from auditapp.report.pdf.diagram_dataflow import draw_dataflow
from auditapp.report.pdf.diagram_network import draw_network
from auditapp.report.pdf.diagram_shapes import DIAGRAM_WIDTH, FittedDrawing
from auditapp.report.pdf.diagram_text import register_diagram_fonts

__all__ = [
    "DIAGRAM_WIDTH",
    "FittedDrawing",
    "draw_blast_paths",
    "draw_dataflow",
    "draw_network",
    "register_diagram_fonts",
]
