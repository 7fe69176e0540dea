"""CycloneDX 1.6 SBOMs (cyclonedx-python-lib) for one component's image.

Reproducible: the serial number is derived from the content and the timestamp comes from the
data (when the image was collected), never from the clock.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cyclonedx.factory.license import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from auditapp import __version__


@dataclass(frozen=True)
class SbomPackage:
    ecosystem: str
    name: str
    version: str
    purl: str
    path: str
    licenses: tuple[str, ...]


def build_sbom(
    component: str,
    image: str,
    image_digest: str,
    collected_at: datetime,
    packages: Sequence[SbomPackage],
) -> str:
    bom = Bom()
    bom.metadata.timestamp = collected_at
    bom.metadata.component = Component(
        name=component,
        version=image_digest,
        type=ComponentType.CONTAINER,
        bom_ref=f"container:{component}",
        properties=[Property(name="auditapp:image", value=image)],
    )
    bom.metadata.tools.components.add(
        Component(name="auditapp", version=__version__, type=ComponentType.APPLICATION)
    )
    licenses = LicenseFactory()
    for package in sorted(packages, key=lambda p: (p.purl, p.path)):
        try:
            purl = PackageURL.from_string(package.purl)
        except ValueError:
            purl = None
        bom.components.add(
            Component(
                name=package.name,
                version=package.version,
                type=ComponentType.LIBRARY,
                purl=purl,
                bom_ref=f"{package.purl}|{package.path}",
                licenses=[licenses.make_from_string(text) for text in package.licenses if text],
                properties=[
                    Property(name="auditapp:path", value=package.path),
                    Property(name="auditapp:ecosystem", value=package.ecosystem),
                ],
            )
        )
    bom.serial_number = uuid.UUID(int=0)  # fixed while the content is fingerprinted
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
    bom.serial_number = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:auditapp:sbom:{fingerprint}")
    return JsonV1Dot6(bom).output_as_string(indent=2)
