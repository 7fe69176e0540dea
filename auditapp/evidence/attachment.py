"""Files people attach as evidence: read once, hashed, typed, and capped in size."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from auditapp.evidence.errors import EvidenceError, EvidenceTooLargeError

CHUNK = 1024 * 1024

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)


@dataclass(frozen=True)
class AttachedFile:
    path: Path
    title: str
    media_type: str
    sha256: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def read_attachment(path: Path, *, max_bytes: int, title: str | None = None) -> AttachedFile:
    """Read a regular file of at most `max_bytes` into memory with its SHA-256 and media type.

    Directories, FIFOs and devices are refused before a byte is read (a FIFO would block).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise EvidenceError(f"cannot attach {path}: no such file") from None
    except IsADirectoryError:
        raise EvidenceError(f"cannot attach {path}: it is a folder, not a file") from None
    except OSError as error:
        raise EvidenceError(f"cannot attach {path}: {error.strerror}") from error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise EvidenceError(f"cannot attach {path}: it is {what}")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > max_bytes:
            raise _too_large(path, info.st_size, max_bytes)
        digest = hashlib.sha256()
        parts: list[bytes] = []
        total = 0
        try:
            while chunk := handle.read(CHUNK):
                total += len(chunk)
                if total > max_bytes:  # the file grew while we read it
                    raise _too_large(path, total, max_bytes)
                digest.update(chunk)
                parts.append(chunk)
        except OSError as error:
            raise EvidenceError(f"cannot read {path}: {error.strerror}") from error
    data = b"".join(parts)
    return AttachedFile(
        path=path,
        title=(title or path.name).strip() or path.name,
        media_type=guess_media_type(path.name, data),
        sha256=digest.hexdigest(),
        data=data,
    )


def guess_media_type(name: str, data: bytes) -> str:
    """From the content's first bytes when they say, else from the name."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    head = data[:4096]
    if head.lstrip()[:1] in (b"{", b"["):
        return "application/json"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def _too_large(path: Path, size: int, cap: int) -> EvidenceTooLargeError:
    return EvidenceTooLargeError(
        f"cannot attach {path}: {_mb(size)} is over the evidence size cap of {_mb(cap)}",
        hint="attach a smaller extract, or raise the cap with AUDITAPP_EVIDENCE_CAP_MB",
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
