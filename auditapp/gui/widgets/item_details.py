"""What the checklist says about an item: question, guidance, references, expected evidence."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from auditapp.checklist import Item


class ItemDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = QLabel()
        self.question.setObjectName("itemQuestion")
        self.question.setWordWrap(True)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.question.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.question.setFont(font)
        self.question.setAccessibleName("Question")

        self.references = QLabel()
        self.references.setObjectName("itemReferences")
        self.references.setWordWrap(True)
        self.references.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.references.setAccessibleName("Item key and references")

        self.guidance = QTextBrowser()
        self.guidance.setObjectName("itemGuidance")
        self.guidance.setOpenLinks(False)
        self.guidance.setAccessibleName("Guidance and expected evidence")
        self.guidance.setToolTip("Why the item matters, what good looks like, what to collect")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.question)
        layout.addWidget(self.references)
        layout.addWidget(self.guidance, 1)

    def show_item(self, item: Item | None) -> None:
        if item is None:
            self.question.clear()
            self.references.clear()
            self.guidance.clear()
            return
        self.question.setText(item.question)
        parts = [f"<b>{escape(item.key)}</b>", f"PCI DSS {escape(', '.join(item.pci))}"]
        if item.cis:
            parts.append(f"CIS Docker {escape(', '.join(item.cis))}")
        self.references.setText(" &nbsp;·&nbsp; ".join(parts))
        self.guidance.setHtml(_guidance_html(item))


def _guidance_html(item: Item) -> str:
    html = f"<p>{escape(item.guidance)}</p>"
    if item.evidence:
        rows = "".join(f"<li>{escape(e)}</li>" for e in item.evidence)
        html += f"<p><b>Expected evidence</b></p><ul style='margin-top:0'>{rows}</ul>"
    else:
        html += "<p><i>No evidence is expected for this item.</i></p>"
    return html
