"""Strict JSON: what the standard allows, and nothing Python's parser adds."""

from __future__ import annotations

import pytest

from auditapp.formats import strict_json


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_does_not_have_are_refused(constant: str) -> None:
    with pytest.raises(ValueError, match=f"{constant} is not a number JSON allows"):
        strict_json.loads(f'{{"cpus": {constant}}}')


def test_bytes_are_utf8_and_anything_else_is_a_value_error() -> None:
    assert strict_json.loads('{"name": "Łucja"}'.encode()) == {"name": "Łucja"}
    with pytest.raises(ValueError):  # UTF-16 with its mark: not what we read
        strict_json.loads('{"a": 1}'.encode("utf-16"))
    with pytest.raises(ValueError):
        strict_json.loads(b'{"a": ')
    with pytest.raises(RecursionError):
        strict_json.loads("[" * 100_000 + "]" * 100_000)
