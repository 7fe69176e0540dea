"""Reading npm's and PyPI's JSON answers for the abandonment check: shapes checked, the files of
a release, the installed release found, the source repository named; registry text made safe."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from auditapp.formats import strict_json
from auditapp.vulns.abandonment_result import AbandonmentError

_REPO_KEYS = {"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"}
_REPO_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def decode_answer(body: bytes, url: str) -> object:
    try:
        return strict_json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise AbandonmentError(f"{url} did not answer valid JSON: {str(error)[:200]}") from None


def kind_of(value: object) -> str:
    return "null" if value is None else type(value).__name__


def answer_dict(value: object, what: str, url: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        message = f"{what} must be an object, not {kind_of(value)}"
        if url:
            raise AbandonmentError(f"{url}: {message}")
        raise ValueError(message)
    return value


def answer_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {kind_of(value)}")
    return value


def answer_instant(value: object) -> datetime:
    moment = datetime.fromisoformat(answer_str(value, "a time"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clean_text(value: str, limit: int = 500) -> str:
    """A registry's free text, safe to show on a terminal: no control characters, bounded."""
    text = _CONTROL.sub(" ", value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def release_files(value: object, what: str, url: str) -> list[tuple[bool, str, date]]:
    """(yanked, reason, upload day) of each file of one release."""
    if not isinstance(value, list):
        raise AbandonmentError(f"{url}: {what} must be a list of files, not {kind_of(value)}")
    files = []
    for index, raw in enumerate(value):
        item = answer_dict(raw, f"{what}[{index}]", url)
        yanked, reason = item.get("yanked", False), item.get("yanked_reason")
        uploaded = item.get("upload_time_iso_8601", item.get("upload_time"))
        if not isinstance(yanked, bool) or not isinstance(reason, str | None):
            raise AbandonmentError(f"{url}: {what}[{index}]: yanked must be true or false")
        try:
            day = answer_instant(uploaded).astimezone(UTC).date()
        except (ValueError, TypeError):
            raise AbandonmentError(
                f"{url}: {what}[{index}]: upload time {str(uploaded)[:40]!r} is not a time"
            ) from None
        if not date(1990, 1, 1) <= day <= date(2100, 12, 31):
            raise AbandonmentError(f"{url}: {what}[{index}]: upload time {day} is not plausible")
        files.append((yanked, reason or "", day))
    return files


def release_key(releases: Mapping[str, object], version: str) -> str | None:
    """The release the installed version is: the same text, or the same PEP 440 version."""
    if version in releases:
        return version
    try:
        wanted = Version(version)
    except InvalidVersion:
        return None
    for key in releases:
        try:
            if Version(key) == wanted:
                return key
        except InvalidVersion:
            continue
    return None


def _repository_url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 500:
        return ""
    url = re.sub(r"^git\+", "", value.strip())
    return url if re.match(r"https?://[^\s/]+", url) and not _CONTROL.search(url) else ""


def pypi_repository(info: Mapping[str, Any], url: str) -> str:
    """The source repository among `info.project_urls` (by label, else by host)."""
    urls = info.get("project_urls") or {}
    if not isinstance(urls, dict):
        raise AbandonmentError(f"{url}: info.project_urls must be an object")
    labelled = [
        (re.sub(r"[^a-z]", "", str(k).lower()), _repository_url(v)) for k, v in urls.items()
    ]
    for label, link in labelled:
        if label in _REPO_KEYS and link:
            return link
    for link in [link for _, link in labelled] + [_repository_url(info.get("home_page"))]:
        if link and (urlsplit(link).hostname or "") in _REPO_HOSTS:
            return link
    return ""


def npm_repository(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("url")
    return _repository_url(value)
