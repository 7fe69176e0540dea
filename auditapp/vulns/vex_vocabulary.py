"""The VEX vocabulary, OpenVEX's (CSAF and SPDX 3 use the same words), and its translation from
and to CycloneDX's.

Status: affected, not_affected, fixed, under_investigation. A not_affected needs a justification,
and only it has one: component_not_present, vulnerable_code_not_present,
vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary,
inline_mitigations_already_exist. CycloneDX names are accepted and translated
(`_FROM_CYCLONEDX_*`); export writes CycloneDX through a one-to-one table (`_CYCLONEDX_*`), so
exporting and importing again gives the same dispositions.
"""

from __future__ import annotations

from enum import StrEnum


class VexStatus(StrEnum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


class Justification(StrEnum):
    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
        "vulnerable_code_cannot_be_controlled_by_adversary"
    )
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


# CycloneDX → stored. States: exploitable → affected; in_triage → under_investigation; resolved,
# resolved_with_pedigree → fixed; not_affected, false_positive → not_affected. Justifications:
# code_not_present → vulnerable_code_not_present; code_not_reachable → ..._not_in_execute_path;
# requires_dependency → component_not_present; requires_environment, requires_configuration →
# ..._cannot_be_controlled_by_adversary; protected_by_mitigating_control, protected_at_runtime,
# protected_at_perimeter, protected_by_compiler → inline_mitigations_already_exist.
# Export writes the first CycloneDX name of each, so the tables below are exact inverses.
_CYCLONEDX_STATE = {
    VexStatus.AFFECTED: "exploitable",
    VexStatus.NOT_AFFECTED: "not_affected",
    VexStatus.FIXED: "resolved",
    VexStatus.UNDER_INVESTIGATION: "in_triage",
}
# false_positive: the advisory was wrongly tied to the package. Without a justification of its
# own it becomes not_affected / component_not_present (see vex_documents._cyclonedx_statements).
FROM_CYCLONEDX_STATE = {v: k for k, v in _CYCLONEDX_STATE.items()} | {
    "false_positive": VexStatus.NOT_AFFECTED,
    "resolved_with_pedigree": VexStatus.FIXED,
}
_CYCLONEDX_JUSTIFICATION = {
    Justification.COMPONENT_NOT_PRESENT: "requires_dependency",
    Justification.VULNERABLE_CODE_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: "code_not_reachable",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: "requires_environment",
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST: "protected_by_mitigating_control",
}
FROM_CYCLONEDX_JUSTIFICATION = {v: k for k, v in _CYCLONEDX_JUSTIFICATION.items()} | {
    "requires_configuration": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
    "protected_by_compiler": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_runtime": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_perimeter": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
}


def cyclonedx_terms(status: VexStatus, justification: Justification | None) -> tuple[str, str]:
    """(analysis state, justification or "") as CycloneDX writes them."""
    state = _CYCLONEDX_STATE[status]
    return state, _CYCLONEDX_JUSTIFICATION[justification] if justification else ""
