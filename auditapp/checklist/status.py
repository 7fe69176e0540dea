"""The words of a checklist answer: ROC findings as statuses, and the method used."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The four PCI DSS v4.x ROC findings. An item with no status is unanswered."""

    IN_PLACE = "in_place"
    NOT_APPLICABLE = "not_applicable"
    NOT_TESTED = "not_tested"
    NOT_IN_PLACE = "not_in_place"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def cli_name(self) -> str:
        return self.value.replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Status:
        """Accept `in-place`, `in_place`, `In Place` and so on."""
        wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(wanted)
        except ValueError:
            choices = ", ".join(s.cli_name for s in cls)
            raise ValueError(f"unknown status {text!r}: choose one of {choices}") from None


_LABELS = {
    Status.IN_PLACE: "In Place",
    Status.NOT_APPLICABLE: "Not Applicable",
    Status.NOT_TESTED: "Not Tested",
    Status.NOT_IN_PLACE: "Not in Place",
}

UNANSWERED_LABEL = "Unanswered"


class Method(StrEnum):
    """How a requirement is met, recorded beside the status (never as a fifth status)."""

    NONE = "none"
    COMPENSATING_CONTROL = "compensating_control"
    CUSTOMIZED_APPROACH = "customized_approach"

    @property
    def label(self) -> str:
        return {
            Method.NONE: "Defined approach",
            Method.COMPENSATING_CONTROL: "Compensating control",
            Method.CUSTOMIZED_APPROACH: "Customized approach",
        }[self]

    @classmethod
    def parse(cls, text: str) -> Method:
        wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(wanted)
        except ValueError:
            choices = ", ".join(m.value.replace("_", "-") for m in cls)
            raise ValueError(f"unknown method {text!r}: choose one of {choices}") from None
