"""Severity from CVSS vectors (the `cvss` library), else the record's own rating."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

RATINGS = ("critical", "high", "medium", "low", "none", "unknown")


@dataclass(frozen=True, order=True)
class Severity:
    rank: int  # 0 critical ... 5 unknown: sorts most severe first
    rating: str
    score: float | None
    vector: str

    @staticmethod
    def unknown() -> Severity:
        return Severity(5, "unknown", None, "")


def rating_of(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "none"


@lru_cache(maxsize=4096)
def from_vector(kind: str, vector: str) -> Severity | None:
    try:
        if kind == "CVSS_V4" or vector.startswith("CVSS:4"):
            score = float(CVSS4(vector).base_score)
        elif kind == "CVSS_V3" or vector.startswith("CVSS:3"):
            score = float(CVSS3(vector).scores()[0])
        else:
            return None
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    rating = rating_of(score)
    return Severity(RATINGS.index(rating), rating, score, vector)


def severity_of(vectors: Sequence[tuple[str, str]], database_rating: str = "") -> Severity:
    """The highest of the CVSS v4 and v3 base scores; else the record's own rating."""
    scored = [s for kind, vector in vectors if (s := from_vector(kind, vector)) is not None]
    if scored:
        return min(scored)
    rating = {"MODERATE": "medium"}.get(database_rating.upper(), database_rating.lower())
    if rating in RATINGS:
        return Severity(RATINGS.index(rating), rating, None, "")
    return Severity.unknown()
