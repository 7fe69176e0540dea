"""Roll-up rules on a small checklist, without a database."""

from __future__ import annotations

from auditapp.checklist import Answer, Checklist, Item, Section, Status, is_complete, roll_up


def _item(key: str, section: int, evidence: bool) -> Item:
    return Item(key, section, "Q?", "G.", ("2.2.1",), (), ("inspect",) if evidence else (), ())


CHECKLIST = Checklist(
    "t",
    "T",
    "1",
    "4.0.1",
    "CIS",
    (
        Section(
            1, "profile", "Profile", "", (_item("profile.a", 1, True), _item("profile.b", 1, False))
        ),
        Section(2, "network", "Network", "", (_item("network.a", 2, True),)),
    ),
)


def test_completeness_rules() -> None:
    a = CHECKLIST.item("profile.a")
    assert not is_complete(a, None)
    assert not is_complete(a, Answer(Status.IN_PLACE, "", 1))  # no rationale
    assert not is_complete(a, Answer(Status.IN_PLACE, "ok", 0))  # evidence expected
    assert is_complete(a, Answer(Status.IN_PLACE, "ok", 1))
    assert not is_complete(a, Answer(Status.NOT_IN_PLACE, "root user", 0))
    assert is_complete(a, Answer(Status.NOT_APPLICABLE, "no swarm", 0))
    assert is_complete(a, Answer(Status.NOT_TESTED, "excluded by scope", 0))
    assert is_complete(CHECKLIST.item("profile.b"), Answer(Status.IN_PLACE, "declared", 0))


def test_roll_up_per_section_and_overall() -> None:
    rollup = roll_up(
        CHECKLIST,
        {
            "profile.a": Answer(Status.IN_PLACE, "ok", 2),
            "profile.b": Answer(Status.NOT_IN_PLACE, "", 0),
        },
    )
    profile, network = (p for _, p in rollup.sections)
    assert (profile.total, profile.answered, profile.complete) == (2, 2, 1)
    assert profile.count(Status.NOT_IN_PLACE) == 1
    assert (network.total, network.unanswered, network.complete) == (1, 1, 0)
    assert rollup.overall.total == 3
    assert rollup.overall.count(None) == 1
    assert rollup.overall.count(Status.IN_PLACE) == 1
