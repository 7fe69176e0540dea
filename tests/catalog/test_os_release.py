"""os-release: quoting, escapes, comments, which file wins, and what distroless says."""

from __future__ import annotations

from auditapp.catalog.interface import CatalogResult, OsRelease, Skipped
from auditapp.catalog.os_release import (
    OsReleaseCataloger,
    detect_os_release,
    distro_qualifier,
    parse_os_release,
)
from tests.catalog.files import DictFiles, run

DEBIAN = b"""PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""

DISTROLESS = b"""PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
"""

ALPINE = b"""NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
"""

RHEL = b"""NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.3"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
"""


def test_debian() -> None:
    result = run(OsReleaseCataloger(), {"etc/os-release": DEBIAN})
    assert result == CatalogResult(
        os_release=OsRelease(
            id="debian",
            version_id="12",
            pretty_name="Debian GNU/Linux 12 (bookworm)",
            version_codename="bookworm",
        )
    )


def test_distroless_keeps_what_the_file_says() -> None:
    found = run(OsReleaseCataloger(), {"etc/os-release": DISTROLESS}).os_release
    assert found == OsRelease(id="debian", version_id="12", pretty_name="Distroless")


def test_etc_wins_over_usr_lib() -> None:
    files = {"etc/os-release": ALPINE, "usr/lib/os-release": DEBIAN}
    found = detect_os_release(DictFiles(files, OsReleaseCataloger()))
    assert found is not None and found.id == "alpine" and found.version_id == "3.19.1"


def test_usr_lib_when_etc_is_absent() -> None:
    found = run(OsReleaseCataloger(), {"usr/lib/os-release": RHEL}).os_release
    assert found == OsRelease(
        id="rhel",
        version_id="9.3",
        pretty_name="Red Hat Enterprise Linux 9.3 (Plow)",
        id_like=("fedora",),
    )


def test_quotes_escapes_comments_and_crlf() -> None:
    text = (
        "# a comment\r\n"
        "\r\n"
        'NAME="Say \\"hi\\" to \\$HOME and \\\\ and \\`x\\` but keep \\n"\r\n'
        "ID='single # not a comment'\r\n"
        "  VERSION_ID = 7 \r\n"
        'ID_LIKE="Ubuntu  debian"\r\n'
        "not a line\r\n"
        "BAD KEY=x\r\n"
        'UNCLOSED="abc\r\n'
        "EMPTY=\r\n"
    )
    assert parse_os_release(text) == {
        "NAME": 'Say "hi" to $HOME and \\ and `x` but keep \\n',
        "ID": "single # not a comment",
        "VERSION_ID": "7",
        "ID_LIKE": "Ubuntu  debian",
        "UNCLOSED": "abc",
        "EMPTY": "",
    }


def test_id_defaults_to_linux_and_id_like_splits() -> None:
    text = b'NAME="Mystery"\nID_LIKE="rhel CentOS fedora"\n'
    found = run(OsReleaseCataloger(), {"etc/os-release": text}).os_release
    assert found == OsRelease(id="linux", version_id="", id_like=("rhel", "centos", "fedora"))


def test_no_file_or_garbage_gives_none() -> None:
    assert run(OsReleaseCataloger(), {}).os_release is None
    garbage = bytes(range(256)) * 4
    assert run(OsReleaseCataloger(), {"etc/os-release": garbage}).os_release is None


def test_garbage_etc_falls_back_to_usr_lib() -> None:
    files = {"etc/os-release": b"\x00\xff junk", "usr/lib/os-release": ALPINE}
    found = run(OsReleaseCataloger(), files).os_release
    assert found is not None and found.id == "alpine"


def test_over_the_cap_is_reported() -> None:
    result = run(OsReleaseCataloger(), {"etc/os-release": b"#" * (64 * 1024 + 1)})
    assert result.os_release is None
    assert result.skipped == (Skipped("os-release", "etc/os-release", "over the size cap"),)


def test_plan_only_the_two_paths() -> None:
    cataloger = OsReleaseCataloger()
    assert cataloger.plan("etc/os-release", 300, 0o644) is not None
    assert cataloger.plan("usr/lib/os-release", 300, 0o644) is not None
    assert cataloger.plan("etc/lsb-release", 300, 0o644) is None
    assert cataloger.plan("opt/etc/os-release", 300, 0o644) is None


def test_distro_qualifier() -> None:
    assert distro_qualifier(OsRelease("debian", "12")) == "debian-12"
    assert distro_qualifier(OsRelease("debian", "")) == "debian"
    assert distro_qualifier(None) == ""
