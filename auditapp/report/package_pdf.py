"""Attaching the companions inside the rendered PDF as one incremental update (pyHanko), so the
rendered revision's bytes stay exactly as rendered and `verify` can hash them.

Reproducible: pyHanko would stamp the clock into /Info and a random second document ID; the
writer below keeps /Info as rendered and derives the ID from the package fingerprint.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from urllib.parse import quote

from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError

from auditapp.report.model import Companion
from auditapp.report.package_manifest import (
    MANIFEST_NAME,
    UPDATE_PLACEHOLDER,
    Manifest,
    PackageError,
    build_manifest,
    record_json,
)


class _DataTimedWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves the document information dictionary alone."""

    def _update_meta(self) -> None:
        # pyHanko sets /ModDate to the clock and appends itself to /Producer; the rendered
        # revision already says when (the data's time) and by whom, so nothing changes here.
        return


def attach(pdf_bytes: bytes, manifest: Manifest, companions: Sequence[Companion]) -> bytes:
    """`pdf_bytes` plus an incremental update embedding every companion and
    `auditapp-manifest.json` (the manifest and the rendered revision's SHA-256 and length)."""
    if build_manifest(companions, as_of=manifest.as_of) != manifest:
        raise PackageError("the companions do not match the manifest they were listed in")
    try:
        writer = _DataTimedWriter(io.BytesIO(pdf_bytes), strict=False)
        first_id = writer._document_id[0]
        # The second ID names this version of the file: derived from the fingerprint, not random.
        second_id = generic.ByteStringObject(bytes.fromhex(manifest.fingerprint)[:16])
        writer._document_id = generic.ArrayObject([first_id, second_id])
        files = [(c.name, c.data, c.media_type, c.description, True) for c in companions]
        files.append(
            (
                MANIFEST_NAME,
                record_json(manifest, pdf_bytes),
                "application/json",
                "The package manifest: every attached file's SHA-256 and the fingerprint",
                # uncompressed, so it can be read in the raw file and sealed in place (_seal);
                # for the same reason it carries no MD5 /CheckSum, which sealing would break
                False,
            )
        )
        # A name tree's keys must be sorted; the keys are ASCII (see _key), so sort by them.
        for name, data, media_type, description, compress in sorted(
            files, key=lambda f: _key(f[0])
        ):
            stream = embed.EmbeddedFileObject.from_file_data(
                writer,
                data,
                compress=compress,
                params=embed.EmbeddedFileParams(
                    embed_size=True,
                    embed_checksum=compress,
                    creation_date=manifest.as_of,
                    modification_date=manifest.as_of,
                ),
                mime_type=media_type,
            )
            embed.embed_file(
                writer,
                embed.FileSpec(
                    file_spec_string=_key(name),
                    file_name=name,
                    embedded_data=stream,
                    description=description,
                ),
            )
        out = io.BytesIO()
        writer.write(out)  # type: ignore[no-untyped-call]
    except (PdfError, ValueError, KeyError) as error:
        raise PackageError(f"cannot attach the companion files to the PDF: {error}") from error
    return _seal(out.getvalue(), len(pdf_bytes))


def _seal(written: bytes, rendered_size: int) -> bytes:
    """Fill in the SHA-256 of everything after the rendered revision, so a changed byte
    anywhere in the file shows; the placeholder has the hash's length, so no offset moves."""
    update = written[rendered_size:]
    placeholder = UPDATE_PLACEHOLDER.encode()
    if update.count(placeholder) != 1:
        raise PackageError("cannot seal the attachments: the update's placeholder is not unique")
    digest = hashlib.sha256(update).hexdigest().encode()
    return written[:rendered_size] + update.replace(placeholder, digest)


def _key(name: str) -> str:
    """The name-tree key and /F of a file: ASCII (PDFDocEncoding is all /F may hold), one key
    per name; the Unicode name itself goes into /UF."""
    return quote(name, safe="/._-+@ ")
