"""Rules whose findings are made while collecting, where the secret is seen and never kept.

They are in the catalogue so that `auditapp rules` documents them and suggestions can count
them; `analyse` leaves their findings as `collect` left them.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import Deployment

SECRET_RULE = "image.secret-in-configuration"  # noqa: S105 - a rule id
SECRET_FILE_RULE = "image.secret-file-in-layer"  # noqa: S105 - a rule id


@rule(
    SECRET_RULE,
    "Secret in image or container configuration",
    "high",
    scope="image",
    pci=("8.6.2", "3.6.1"),
    cis=("4.10",),
    reads=("engine-image", "engine-container", "image-config", "compose"),
    fails="carry a secret in their configuration",
    at_collect=True,
)
def secret_in_configuration(_: Deployment) -> Iterator[Hit]:
    """A value that looks like a password, token or key sits in an environment variable, a
    label, a command line or a build step of an image, container or compose service. Anyone
    who can pull the image or inspect the container reads it, and it outlives rotation.
    auditapp stores the name and where it was, never the value. Move the secret to a secrets
    manager or Docker/compose secrets, rotate it, and rebuild the image without it."""
    return iter(())


@rule(
    SECRET_FILE_RULE,
    "Private key or credential file in an image layer",
    "high",
    scope="image",
    pci=("8.6.2", "3.6.1"),
    cis=("4.10",),
    reads=("image-config",),
    fails="ship a key or credential file",
    at_collect=True,
)
def secret_file_in_layer(_: Deployment) -> Iterator[Hit]:
    """A private key, a cloud credential file or a similar secret is inside an image layer.
    Deleting it in a later layer does not help: the earlier layer still holds it. Rotate the
    secret, rebuild from a clean context (.dockerignore, multi-stage builds) and mount
    secrets at run time instead."""
    return iter(())


RULES = (secret_in_configuration, secret_file_in_layer)
