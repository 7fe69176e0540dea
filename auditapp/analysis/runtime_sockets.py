"""Whether a mount hands a container the container runtime's socket (CIS Docker Benchmark 5.32),
and what it exposes: the one answer the rules, the reach graph, the threats and monitoring use."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal

from auditapp.analysis.model import Mount, Workload

# File names of sockets that hand over the runtime, and the runtime each belongs to.
SOCKET_NAMES = {
    "docker.sock": "Docker",
    "docker.sock.raw": "Docker",  # Docker Desktop's raw socket
    "containerd.sock": "containerd",
    "docker-containerd.sock": "containerd",  # the containerd older Docker releases started
    "podman.sock": "Podman",
    "crio.sock": "CRI-O",
    "dockershim.sock": "dockershim",
}
# Where those sockets live ("<uid>" is a user's number: rootless Docker and Podman). Every
# folder on the way down from "/" holds one; /var/run is the same place as /run.
SOCKET_PLACES = (
    "/run/docker.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/docker/libcontainerd/docker-containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/run/crio/crio.sock",
    "/run/dockershim.sock",
    "/run/user/<uid>/docker.sock",
    "/run/user/<uid>/podman/podman.sock",
)
DOCKER_PIPE = "docker_engine"
# The engine's pipe, `\\.\pipe\docker_engine`, written with either slash, in any case.
_DOCKER_PIPE_PATH = re.compile(r"[\\/]{2}\.[\\/]pipe[\\/]docker_engine[\\/]?", re.IGNORECASE)
HOST_MOUNT_TYPES = ("bind", "")  # a named volume is never the host's socket

Kind = Literal["socket", "folder", "host-root", "target", "pipe"]


@dataclass(frozen=True)
class RuntimeExposure:
    """What one mount exposes of the container runtime. `socket` names the socket when the
    mount does ("docker.sock"), `runtime` whose it is ("Docker"; "" for a folder or "/"),
    `path` the normalised host path."""

    mount: Mount
    kind: Kind
    path: str
    socket: str = ""
    runtime: str = ""

    @property
    def what(self) -> str:
        """For sentences like "worker mounts {what}"."""
        match self.kind:
            case "socket":
                return self.socket
            case "target":
                return f"{self.mount.source} as {self.socket}"
            case "pipe":
                return "the Docker engine's named pipe"
            case "folder":
                return f"the folder {self.path}, which holds the runtime's socket"
        return "the host's root filesystem, with the runtime's socket in it"

    @property
    def label(self) -> str:
        """Short, for a graph step or a table cell: "docker.sock", "/var/run (runtime socket)"."""
        match self.kind:
            case "socket" | "target":
                return self.socket
            case "pipe":
                return "docker_engine pipe"
        return f"{self.path} (runtime socket)"

    @property
    def noun(self) -> str:
        """What is mounted, for "{noun} mounted into the container": "Docker socket"."""
        match self.kind:
            case "socket" | "target":
                return f"{self.runtime} socket"
            case "pipe":
                return "Docker engine pipe"
            case "folder":
                return "folder holding the container runtime's socket"
        return "host's root filesystem, with the runtime's socket"


def runtime_exposure(mount: Mount) -> RuntimeExposure | None:
    """What `mount` exposes of the container runtime, or None if it exposes nothing.

    A mount exposes the runtime when it is a bind, or a mount of unknown type, and

    - its host source is a runtime socket, by file name wherever it lies (SOCKET_NAMES:
      /var/run/docker.sock, /run/containerd/containerd.sock, ~/.docker/run/docker.sock, ...);
    - or its absolute host source is a folder on the way to a place where one lives
      (SOCKET_PLACES: /run, /var/run, /run/docker, /run/containerd, /run/podman, /run/crio,
      /run/user/1000, ...), or the host's root "/": the socket is inside what is mounted;
    - or its target's file name is a runtime socket's, whatever the host path: the container
      expects an engine there, and CIS 5.32's audit looks for docker.sock anywhere in `.Mounts`;
    - or its source is the Docker engine's Windows named pipe (`\\\\.\\pipe\\docker_engine`,
      `//./pipe/docker_engine`), mounted as an npipe or, as compose's short syntax types it,
      a bind.

    A named volume, a tmpfs or an anonymous volume never is, whatever its name or target.
    Sources are normalised first: "/var/run/" and "//var/run" are /var/run.
    """
    kind = mount.type.strip().lower()
    if kind not in (*HOST_MOUNT_TYPES, "npipe") or not mount.source:
        return None
    if _DOCKER_PIPE_PATH.fullmatch(mount.source.strip()):
        return RuntimeExposure(mount, "pipe", mount.source, DOCKER_PIPE, "Docker")
    if kind == "npipe":  # another pipe
        return None
    path = _normalised(mount.source)
    name = posixpath.basename(path)
    if name in SOCKET_NAMES:
        return RuntimeExposure(mount, "socket", path, name, SOCKET_NAMES[name])
    if path == "/":
        return RuntimeExposure(mount, "host-root", path)
    if path.startswith("/") and _on_the_way(path):
        return RuntimeExposure(mount, "folder", path)
    expected = posixpath.basename(_normalised(mount.target))
    if expected in SOCKET_NAMES:
        return RuntimeExposure(mount, "target", path, expected, SOCKET_NAMES[expected])
    return None


def exposes_runtime(mount: Mount) -> bool:
    return runtime_exposure(mount) is not None


def runtime_exposures(w: Workload) -> tuple[RuntimeExposure, ...]:
    """What a workload's mounts expose of the runtime, in the order of its mounts."""
    return tuple(e for e in map(runtime_exposure, w.mounts) if e is not None)


def _normalised(path: str) -> str:
    if not path.startswith("/"):
        return posixpath.normpath(path) if path else ""
    return "/" + posixpath.normpath(path).lstrip("/")  # normpath keeps a leading "//"


def _on_the_way(folder: str) -> bool:
    """Whether `folder` is /run, /var/run or a folder below it on the way to a socket."""
    parts = folder.strip("/").split("/")
    if parts[:2] == ["var", "run"]:
        parts = parts[1:]
    for place in SOCKET_PLACES:
        steps = place.strip("/").split("/")[:-1]
        if len(parts) <= len(steps) and all(
            part == step or (step == "<uid>" and part.isdigit())
            for part, step in zip(parts, steps, strict=False)
        ):
            return True
    return False
