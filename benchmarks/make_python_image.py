"""Build a realistic `docker save` archive of a Python application image from this host's files.

No Docker Engine and no network: the layers are written from files on this Debian 12 host.
Layer 1 is a Debian base (about 90 real dpkg stanzas and the files those packages own), layer 2
a Python runtime under /usr/local (as the official image lays it out), layer 3 an application
virtualenv with about 90 distributions plus the application's code. Entries are sorted and
every mtime is fixed, so the same host files give the same archive.

    python benchmarks/make_python_image.py [-o /tmp/auditapp-bench/python-app.tar]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import posixpath
import re
import stat
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_OUTPUT = Path("/tmp/auditapp-bench/python-app.tar")
TAG = "bench/python-app:1.0"
MTIME = 1_700_000_000  # 2023-11-14, for every entry
CREATED = "2023-11-14T22:13:20Z"

DPKG_STATUS = Path("/var/lib/dpkg/status")
DPKG_INFO = Path("/var/lib/dpkg/info")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


INFO_SUFFIXES = frozenset(
    _words(
        "list md5sums conffiles config postinst postrm preinst prerm shlibs symbols templates "
        "triggers"
    )
)
# debian:bookworm-slim's package set, plus what the Python runtime links against.
BASE_PACKAGES = _words("""
adduser apt base-files base-passwd bash bsdutils coreutils dash debconf debian-archive-keyring
debianutils diffutils dpkg e2fsprogs findutils gcc-12-base gpgv grep gzip hostname
init-system-helpers libacl1 libapt-pkg6.0 libattr1 libaudit-common libaudit1 libblkid1
libbz2-1.0 libc-bin libc6 libcap-ng0 libcap2 libcom-err2 libcrypt1 libdb5.3 libdebconfclient0
libext2fs2 libffi8 libgcc-s1 libgcrypt20 libgmp10 libgnutls30 libgpg-error0 libhogweed6
libidn2-0 liblz4-1 liblzma5 libmd0 libmount1 libnettle8 libp11-kit0 libpam-modules
libpam-modules-bin libpam-runtime libpam0g libpcre2-8-0 libseccomp2 libselinux1
libsemanage-common libsemanage2 libsepol2 libsmartcols1 libss2 libstdc++6 libsystemd0
libtasn1-6 libtinfo6 libudev1 libunistring2 libuuid1 libxxhash0 libzstd1 login logsave mawk
mount ncurses-base ncurses-bin passwd perl-base sed sysvinit-utils tar tzdata usr-is-merged
util-linux util-linux-extra zlib1g
ca-certificates libssl3 libsqlite3-0
""")
MERGED_USR_LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")
# What debuerreotype's "slim" variant keeps out of the image (dpkg path-exclude).
SLIM_EXCLUDED = re.compile(
    r"usr/share/(doc/(?!.*/copyright$)|man/|info/|groff/|lintian/|linda/|locale/(?!locale\.alias$))"
)

PYTHON_HOME = Path("/root/.pyenv/versions/3.11.7")
PYTHON_VERSION = "3.11.7"
RUNTIME_SITE = "lib/python3.11/site-packages"
RUNTIME_DISTS = ("pip", "setuptools")  # what the official image ships in site-packages
RUNTIME_BIN_PREFIXES = ("python", "pip", "idle", "pydoc", "2to3")
# The official image's clean-up (no tests, no static libpython), but the bytecode stays, as
# `python -m compileall` in a Dockerfile leaves it.
RUNTIME_DROPPED_DIRS = frozenset({"test", "tests", "idle_test"})
RUNTIME_DROPPED_FILE = re.compile(r"libpython.*\.a")

APP_VENV = Path("/work/main/.venv")
APP_SOURCE = Path("/work/main")
POOL_VENV = PYTHON_HOME  # more real installed distributions (the host's pyenv site-packages)
SITE = "lib/python3.11/site-packages"
# What the application takes from APP_VENV: auditapp's runtime dependencies, named so that later
# installs into the project's venv do not change the image (its development tools stay out).
APP_DISTS = _words("""
alembic auditapp boolean-py certifi charset-normalizer click cyclonedx-python-lib defusedxml
docker idna license-expression mako markdown-it-py markupsafe mdurl packageurl-python packaging
pillow pip platformdirs psycopg psycopg-binary py-serializable pygments pypdf pyside6-essentials
pyyaml reportlab requests rich setuptools shiboken6 sortedcontainers sqlalchemy
typing-extensions urllib3 zstandard
""")
# What the application adds from the pool: a Flask API on AWS with pydantic settings (and moto,
# the AWS mock, which images built without a separate test stage often carry).
POOL_DISTS = _words("""
annotated-types attrs awscli blinker boto3 botocore cffi colorama cryptography docutils flask
flask-cors graphql-core itsdangerous jinja2 jmespath joserfc jsonpatch jsonpath-ng jsonpointer
jsonschema jsonschema-path jsonschema-specifications lazy-object-proxy moto
openapi-schema-validator openapi-spec-validator orjson outcome pathable py-partiql-parser pyasn1
pycparser pydantic pydantic-core pydantic-settings pyparsing python-dateutil python-dotenv
referencing regex responses rfc3339-validator rpds-py rsa s3transfer six sniffio trio
typing-inspection werkzeug wrapt xmltodict
""")


@dataclass(frozen=True)
class Item:
    kind: str  # "file" (from host), "bytes", "symlink", "dir"
    host: Path | None = None
    data: bytes = b""
    target: str = ""
    mode: int = 0o755


@dataclass
class Layer:
    """A layer's entries by path inside the image (no leading slash); parents are implied."""

    name: str
    created_by: str
    items: dict[str, Item] = field(default_factory=dict)

    def add_host(self, arcname: str, host: Path) -> None:
        """Add a host path as it is: a file, a symlink, or an (empty) directory."""
        info = host.lstat()
        if stat.S_ISLNK(info.st_mode):
            self.items[arcname] = Item("symlink", target=str(host.readlink()))
        elif stat.S_ISDIR(info.st_mode):
            self.items.setdefault(arcname, Item("dir", mode=stat.S_IMODE(info.st_mode)))
        elif stat.S_ISREG(info.st_mode):
            self.items[arcname] = Item("file", host=host, mode=stat.S_IMODE(info.st_mode))

    def add_bytes(self, arcname: str, data: bytes, mode: int = 0o644) -> None:
        self.items[arcname] = Item("bytes", data=data, mode=mode)

    def add_symlink(self, arcname: str, target: str) -> None:
        self.items[arcname] = Item("symlink", target=target)

    def add_tree(self, arcroot: str, host_root: Path, skip: re.Pattern[str] | None = None) -> None:
        for folder, dirs, files in os.walk(host_root):
            dirs.sort()
            relative = Path(folder).relative_to(host_root)
            for name in [*dirs, *files]:
                rel = (relative / name).as_posix()
                if skip is None or not skip.search(rel):
                    self.add_host(f"{arcroot}/{rel}", Path(folder) / name)


@dataclass(frozen=True)
class WrittenLayer:
    path: Path
    diff_id: str
    size: int
    entries: int


# -- layer 1: the Debian base ------------------------------------------------------------------
def base_layer() -> tuple[Layer, list[str]]:
    layer = Layer("debian", "ADD rootfs.tar.xz / # debian:bookworm-slim")
    stanzas = _installed_stanzas()
    chosen = [name for name in BASE_PACKAGES if name in stanzas]
    missing = sorted(set(BASE_PACKAGES) - set(chosen))
    if missing:
        print(f"note: not installed on this host, left out: {', '.join(missing)}", file=sys.stderr)
    for link in MERGED_USR_LINKS:
        if Path("/", link).is_symlink():
            layer.add_symlink(link, str(Path("/", link).readlink()))
    info_files = sorted(DPKG_INFO.iterdir())
    for package in chosen:
        for info in info_files:
            if _info_of(info.name, package):
                layer.add_host(f"var/lib/dpkg/info/{info.name}", info)
                if info.name.endswith(".list"):
                    _add_owned_files(layer, info)
    for name in ("etc/os-release", "usr/lib/os-release"):
        layer.add_host(name, Path("/", name))
    status = "\n".join(stanzas[name] for name in sorted(chosen))
    layer.add_bytes("var/lib/dpkg/status", status.encode())
    return layer, chosen


def _installed_stanzas() -> dict[str, str]:
    stanzas = {}
    for stanza in DPKG_STATUS.read_text().split("\n\n"):
        package = re.search(r"^Package: (\S+)$", stanza, re.M)
        status = re.search(r"^Status: .* installed$", stanza, re.M)
        if package and status:
            stanzas[package[1]] = stanza.strip("\n") + "\n"
    return stanzas


def _info_of(filename: str, package: str) -> bool:
    for prefix in (f"{package}.", f"{package}:"):
        if filename.startswith(prefix):
            rest = filename[len(prefix) :]
            rest = rest.split(".", 1)[1] if prefix.endswith(":") and "." in rest else rest
            return rest in INFO_SUFFIXES
    return False


def _add_owned_files(layer: Layer, listing: Path) -> None:
    """The files a package owns, where the host has them; /bin/x is stored as usr/bin/x."""
    for line in listing.read_text().splitlines():
        if not line.startswith("/") or line == "/." or line.startswith(("/proc", "/sys", "/dev")):
            continue
        host = Path(line)
        canonical = Path(os.path.realpath(host.parent)) / host.name
        arcname = canonical.as_posix().lstrip("/")
        if os.path.lexists(canonical) and not SLIM_EXCLUDED.match(arcname):
            layer.add_host(arcname, canonical)


# -- layer 2: the Python runtime ---------------------------------------------------------------
def runtime_layer() -> Layer:
    layer = Layer("python", f"RUN ./configure && make install # Python {PYTHON_VERSION}")
    site = PYTHON_HOME / RUNTIME_SITE
    for top in ("include", "lib", "share"):
        for folder, dirs, files in os.walk(PYTHON_HOME / top):
            here = Path(folder)
            if here == site:
                dirs[:] = []
                continue
            dirs[:] = sorted(d for d in dirs if d not in RUNTIME_DROPPED_DIRS)
            for name in [*dirs, *files]:
                if name in files and RUNTIME_DROPPED_FILE.fullmatch(name):
                    continue
                rel = (here / name).relative_to(PYTHON_HOME).as_posix()
                layer.add_host(f"usr/local/{rel}", here / name)
    for entry in sorted((PYTHON_HOME / "bin").iterdir()):
        if entry.name.startswith(RUNTIME_BIN_PREFIXES):
            layer.add_host(f"usr/local/bin/{entry.name}", entry)
    dists = _distributions(site)
    for name in RUNTIME_DISTS:
        for rel, host in _record_files(site, dists[name]):
            if not RUNTIME_DROPPED_FILE.fullmatch(host.name):
                layer.add_host(_inside(f"usr/local/{RUNTIME_SITE}", rel), host)
    return layer


# -- layer 3: the application ------------------------------------------------------------------
def app_layer() -> Layer:
    layer = Layer("app", "RUN python -m venv /app/.venv && pip install -r requirements.txt")
    chosen: dict[str, tuple[Path, Path]] = {}  # normalized name -> (site-packages, dist-info)
    for site, wanted in ((APP_VENV / SITE, APP_DISTS), (POOL_VENV / SITE, POOL_DISTS)):
        found = _distributions(site)
        for name in wanted:
            if name in found and name not in chosen:
                chosen[name] = (site, found[name])
            elif name not in found:
                print(f"note: {name} is not installed in {site}, left out", file=sys.stderr)
    for name in sorted(chosen):
        site, dist_info = chosen[name]
        for rel, host in _record_files(site, dist_info):
            layer.add_host(_inside(f"app/.venv/{SITE}", rel), host)
    home = "/usr/local/bin"
    cfg = f"home = {home}\ninclude-system-site-packages = false\nversion = {PYTHON_VERSION}\n"
    layer.add_bytes("app/.venv/pyvenv.cfg", cfg.encode())
    for link in ("python", "python3", "python3.11"):
        layer.add_symlink(f"app/.venv/bin/{link}", f"{home}/python3.11")
    skip = re.compile(r"(^|/)(__pycache__|.*\.egg-info)(/|$)")
    layer.add_tree("app/auditapp", APP_SOURCE / "auditapp", skip)
    for name in ("pyproject.toml", "README.md"):
        layer.add_host(f"app/{name}", APP_SOURCE / name)
    return layer


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _inside(site: str, rel: str) -> str:
    """Where a RECORD path lands in the image ("../../../bin/pip" is the environment's bin)."""
    arcname = posixpath.normpath(f"{site}/{rel}")
    if arcname.startswith("../"):
        raise ValueError(f"RECORD path {rel!r} leaves the image")
    return arcname


def _distributions(site: Path) -> dict[str, Path]:
    """Normalized distribution name -> its .dist-info folder (name taken from METADATA)."""
    found = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        metadata = (dist_info / "METADATA").read_text(errors="replace")
        name = re.search(r"^Name: *(\S+)", metadata, re.M)
        if name and (dist_info / "RECORD").is_file():
            found[_normalize(name[1])] = dist_info
    return found


def _record_files(site: Path, dist_info: Path) -> list[tuple[str, Path]]:
    """(path relative to site-packages, host path) for each RECORD entry the host has."""
    files = []
    with (dist_info / "RECORD").open(newline="") as handle:
        for row in csv.reader(handle):
            if not row:
                continue
            rel = os.path.normpath(row[0]).replace(os.sep, "/")
            host = site / rel
            if os.path.lexists(host) and not host.is_dir():
                files.append((rel, host))
    return files


# -- writing -----------------------------------------------------------------------------------
def write_layer(layer: Layer, folder: Path) -> WrittenLayer:
    """Write the layer tar (parents first, sorted, hard links kept) and hash it."""
    items = dict(layer.items)
    for arcname in list(items):
        parts = arcname.split("/")
        for depth in range(1, len(parts)):
            items.setdefault("/".join(parts[:depth]), Item("dir"))
    path = folder / f"{layer.name}.tar"
    inodes: dict[tuple[int, int], str] = {}
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for arcname in sorted(items):
            item = items[arcname]
            info = tarfile.TarInfo(arcname)
            info.mtime, info.mode, info.uname, info.gname = MTIME, item.mode, "root", "root"
            content: io.BufferedReader | io.BytesIO | None = None
            if item.kind == "dir":
                info.type = tarfile.DIRTYPE
            elif item.kind == "symlink":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, item.target, 0o777
            elif item.kind == "bytes":
                info.size, content = len(item.data), io.BytesIO(item.data)
            else:
                assert item.host is not None
                st = item.host.stat()
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in inodes:
                    info.type, info.linkname = tarfile.LNKTYPE, inodes[key]
                else:
                    inodes[key] = arcname
                    info.size, content = st.st_size, item.host.open("rb")
            tar.addfile(info, content)
            if content is not None:
                content.close()
    return WrittenLayer(path, "sha256:" + _sha256(path), path.stat().st_size, len(items))


def write_archive(output: Path, layers: list[tuple[Layer, WrittenLayer]]) -> None:
    """The legacy `docker save` layout: manifest.json, <id>.json, <layer id>/layer.tar."""
    diff_ids = [written.diff_id for _, written in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": {
            "Env": [
                "PATH=/app/.venv/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG=C.UTF-8",
                f"PYTHON_VERSION={PYTHON_VERSION}",
            ],
            "Cmd": ["python", "-m", "auditapp"],
            "WorkingDir": "/app",
            "User": "1000:1000",
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": CREATED, "created_by": layer.created_by} for layer, _ in layers],
    }
    config_bytes = json.dumps(config, indent=None, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_ids, parent = [], ""
    for diff_id in diff_ids:
        parent = hashlib.sha256(f"{parent}\n{diff_id}".encode()).hexdigest()
        layer_ids.append(parent)
    manifest = [
        {
            "Config": config_name,
            "RepoTags": [TAG],
            "Layers": [f"{layer_id}/layer.tar" for layer_id in layer_ids],
        }
    ]
    repo, tag = TAG.rsplit(":", 1)
    members: list[tuple[str, bytes | Path]] = [(config_name, config_bytes)]
    for index, (layer_id, (_, written)) in enumerate(zip(layer_ids, layers, strict=True)):
        v1 = {
            "id": layer_id,
            "created": CREATED,
            **({"parent": layer_ids[index - 1]} if index else {}),
        }
        members += [
            (f"{layer_id}/VERSION", b"1.0"),
            (f"{layer_id}/json", json.dumps(v1).encode()),
            (f"{layer_id}/layer.tar", written.path),
        ]
    members += [
        ("manifest.json", json.dumps(manifest).encode()),
        ("repositories", json.dumps({repo: {tag: layer_ids[-1]}}).encode()),
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        for folder in sorted({name.split("/")[0] for name, _ in members if "/" in name}):
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
            tar.addfile(info)
        for name, source in sorted(members, key=lambda member: member[0]):
            info = tarfile.TarInfo(name)
            info.mode, info.mtime = 0o644, MTIME
            if isinstance(source, Path):
                info.size = source.stat().st_size
                with source.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                info.size = len(source)
                tar.addfile(info, io.BytesIO(source))
    partial.replace(output)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _python_packages(layer: Layer) -> list[str]:
    return sorted(name for name in layer.items if name.endswith(".dist-info/METADATA"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    base, debs = base_layer()
    runtime = runtime_layer()
    app = app_layer()
    layers = [base, runtime, app]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.output.parent) as scratch:
        written = [write_layer(layer, Path(scratch)) for layer in layers]
        write_archive(args.output, list(zip(layers, written, strict=True)))
    per_layer_py = Counter({layer.name: len(_python_packages(layer)) for layer in layers})
    size = args.output.stat().st_size
    print(f"wrote {args.output}: {size / 1e6:.1f} MB, tag {TAG}, sha256 {_sha256(args.output)}")
    for layer, out in zip(layers, written, strict=True):
        print(
            f"  layer {layer.name:7} {out.size / 1e6:8.1f} MB {out.entries:7} entries "
            f"{out.diff_id[:19]}  {layer.created_by}"
        )
    print(f"  tar entries in the layers: {sum(w.entries for w in written)}")
    print(
        f"expected packages: deb {len(debs)}, pypi {sum(per_layer_py.values())} "
        f"(runtime {per_layer_py['python']}, app venv {per_layer_py['app']}), npm 0"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
