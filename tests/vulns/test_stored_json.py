"""The JSON columns of affected entries, read as json.loads would read them."""

from __future__ import annotations

import json

import pytest

from auditapp.vulns.stored_json import JsonVersions, loads


@pytest.mark.parametrize(
    "text",
    ['[{"type": "ECOSYSTEM", "events": [["introduced", "0"]]}]', "[]", '  ["a"] ', '"x"', "{}"],
)
def test_loads_is_json_loads(text: str) -> None:
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "[", '["a"] x', "[1,]", "nan?"])
def test_loads_fails_as_json_loads_does(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        loads(text)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("listed", "asked"),
    [
        (["1.0", "1.1"], ["1.0", "1.1", "1.", "0", "1.0 ", ", ", ",", "[", ""]),
        (["1.0+ü", 'a"b', "c\\d", ""], ["1.0+ü", 'a"b', "c\\d", "", "1.0+u", "a", "d"]),
        ([], ["", "[]"]),
    ],
)
def test_versions_answer_exactly_as_the_decoded_list(listed: list[str], asked: list[str]) -> None:
    for text in (json.dumps(listed), json.dumps(listed, ensure_ascii=False)):
        versions = JsonVersions(text)
        for version in asked:
            assert (version in versions) == (version in listed), (text, version)
        assert list(versions) == listed
        assert 1 not in versions
