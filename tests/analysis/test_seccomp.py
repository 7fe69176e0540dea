"""Seccomp profiles: reading them, comparing them with Docker's default, the rule on custom
profiles, and a custom profile given to a container on the real engine."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from auditapp.analysis.facts import EvidenceDoc, build_deployment
from auditapp.analysis.model import Attachment, ComponentFacts, Deployment, Workload
from auditapp.analysis.seccomp import (
    SeccompError,
    compare_with_default,
    docker_default,
    evaluate,
    looks_like_profile,
    parse_profile,
)
from auditapp.analysis.seccomp_rules import RULES, seccomp_custom_profile
from auditapp.resources import resource_path


def profile(*rules: dict[str, Any], default: str = "SCMP_ACT_ERRNO") -> str:
    return json.dumps({"defaultAction": default, "syscalls": list(rules)})


def allow(*names: str, **extra: Any) -> dict[str, Any]:
    return {"names": list(names), "action": "SCMP_ACT_ALLOW", **extra}


def default_plus(*rules: dict[str, Any]) -> str:
    """Docker's default profile with rules added: what people usually write."""
    data = json.loads(resource_path("seccomp", "docker-default.json").read_text())
    data["syscalls"].extend(rules)
    return json.dumps(data)


# --- Docker's default, as shipped ---------------------------------------------------------------


def test_the_shipped_default_profile_reads_as_docker_applies_it() -> None:
    d = docker_default()
    assert d.default_action == "SCMP_ACT_ERRNO"
    assert "SCMP_ARCH_X86_64" in d.architectures
    view = evaluate(d)
    assert len(view.allowed) == 355  # 349 plain + ptrace & co. (kernel 4.8) + amd64 + chroot
    assert view.conditional == {"clone", "personality", "socket"}
    assert {"ptrace", "arch_prctl", "chroot"} <= view.allowed
    assert not {"mount", "unshare", "setns", "bpf", "reboot", "clone3"} & view.allowed
    assert {"mount", "unshare", "clone"} <= evaluate(d, caps=("SYS_ADMIN",)).allowed
    arm = evaluate(d, arch="arm64")
    assert "set_tls" in arm.allowed and "arch_prctl" not in arm.allowed
    same = compare_with_default(d)
    assert (same.added, same.widened, same.removed, same.allows_beyond_default) == (
        (),
        (),
        (),
        False,
    )
    assert (resource_path("seccomp") / "NOTICE.md").read_text().count("Apache") == 1


# --- comparisons --------------------------------------------------------------------------------


def test_added_syscalls_and_the_dangerous_ones_among_them() -> None:
    found = compare_with_default(parse_profile(default_plus(allow("mount", "keyctl", "sync"))))
    assert found.added == ("keyctl", "mount")  # sync is in the default already
    assert found.dangerous == ("keyctl", "mount")
    assert found.removed == () and not found.default_action_changed
    assert found.allows_beyond_default


def test_the_containers_capabilities_decide_what_the_default_allows() -> None:
    custom = parse_profile(default_plus(allow("mount")))
    assert compare_with_default(custom).added == ("mount",)
    assert compare_with_default(custom, caps=("SYS_ADMIN",)).added == ()


def test_arguments_conditions_widened_and_log_counts_as_allow() -> None:
    custom = parse_profile(
        default_plus({"names": ["socket", "personality"], "action": "SCMP_ACT_LOG"})
    )
    found = compare_with_default(custom)
    assert found.widened == ("personality", "socket") and found.added == ()
    narrowed = parse_profile(
        profile(allow("read", "write", "exit_group"), allow("ptrace", args=[{"index": 0}]))
    )
    small = compare_with_default(narrowed)
    assert small.added == () and small.widened == ()
    assert "ptrace" not in small.removed and "openat" in small.removed
    assert not small.allows_beyond_default


def test_an_allowing_default_action_is_a_denylist() -> None:
    deny = parse_profile(
        profile(
            {"names": ["mount", "umount2", "read"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["reboot"], "action": "SCMP_ACT_KILL", "args": [{"index": 0}]},
            default="SCMP_ACT_ALLOW",
        )
    )
    found = compare_with_default(deny)
    assert found.allows_unlisted and found.default_action_changed and found.allows_beyond_default
    assert found.added == () and found.removed == ("read",)
    assert found.widened == ("clone", "personality", "socket")
    assert "mount" not in found.dangerous and "umount2" not in found.dangerous
    assert {"reboot", "unshare", "bpf", "kexec_load"} <= set(found.dangerous)


def test_includes_and_excludes_follow_arch_and_caps() -> None:
    custom = parse_profile(
        profile(
            allow("ioperm", includes={"caps": ["CAP_SYS_RAWIO"]}),
            allow("arch_prctl", includes={"arches": ["arm64"]}),
            allow("kcmp", excludes={"caps": ["CAP_SYS_PTRACE"]}),
            allow("uselib", excludes={"arches": ["amd64"]}),
            allow("read"),
        )
    )
    assert evaluate(custom).allowed == {"kcmp", "read"}
    assert evaluate(custom, caps=("SYS_PTRACE", "SYS_RAWIO")).allowed == {"ioperm", "read"}
    assert evaluate(custom, arch="arm64").allowed == {"arch_prctl", "kcmp", "read", "uselib"}


def test_older_and_looser_forms_are_read() -> None:
    old = parse_profile(
        json.dumps(
            {
                "defaultAction": "SCMP_ACT_ERRNO",
                "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{"name": "mount", "action": "SCMP_ACT_ALLOW", "args": []}],
            }
        )
    )
    assert evaluate(old).allowed == {"mount"} and old.architectures == ("SCMP_ARCH_X86_64",)
    empty = parse_profile(b'{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": null}')
    assert empty.rules == ()
    assert looks_like_profile(json.loads(profile())) and not looks_like_profile({"a": 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "needs defaultAction and syscalls"),
        ('{"defaultAction": "SCMP_ACT_ERRNO"}', "needs defaultAction and syscalls"),
        (profile(default="SCMP_ACT_MAYBE"), "defaultAction: unknown action 'SCMP_ACT_MAYBE'"),
        ('{"defaultAction": 1, "syscalls": []}', "defaultAction: unknown action int"),
        ('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}}', "syscalls: expected a list"),
        (profile("read"), "syscalls[0]: expected an object"),  # type: ignore[arg-type]
        (profile({"names": "read", "action": "SCMP_ACT_ALLOW"}), "syscalls[0].names"),
        (profile({"names": ["x" * 101], "action": "SCMP_ACT_ALLOW"}), "syscalls[0].names"),
        (profile({"names": ["read"], "action": None}), "syscalls[0].action: unknown action"),
        (profile(allow("read", args={"index": 0})), "syscalls[0].args: expected a list"),
        (profile(allow("read", includes=[])), "syscalls[0].includes: expected an object"),
        (profile(allow("read", includes={"caps": "SYS_ADMIN"})), "includes.caps"),
        (profile(allow("read", excludes={"minKernel": 4.8})), "excludes.minKernel"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
        (profile(*[allow("read")] * 10_001), "more than 10000 rules"),
        (" " * (4 * 1024 * 1024 + 1), "larger than 4 MB"),
    ],
)
def test_hostile_profiles_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SeccompError) as caught:
        parse_profile(text)
    assert message in str(caught.value)


# --- the rule -----------------------------------------------------------------------------------


def workload(name: str, *security_opt: str, **extra: Any) -> Workload:
    return Workload(
        name, name, extra.pop("origin", "container"), 5, security_opt=security_opt, **extra
    )


def judge(*workloads: Workload, attachments: tuple[Attachment, ...] = ()) -> dict[str, Any]:
    d = Deployment(
        components=tuple(ComponentFacts(w.name) for w in workloads),
        workloads=workloads,
        attachments=attachments,
    )
    return {h.subject: h for h in seccomp_custom_profile.run(d)}


def test_the_rule_is_documented() -> None:
    [r] = RULES
    assert r.id == "seccomp.custom-profile" and r.doc and r.fails and r.pci == ("2.2.6",)


def test_inline_profiles_from_the_engine() -> None:
    loose = default_plus(allow("ptrace", "unshare"))
    tight = profile(allow("read", "write"))
    hits = judge(
        workload("loose", f"seccomp={loose}"),
        workload("tight", f"seccomp={tight}"),
        workload("plain"),
        workload("off", "seccomp=unconfined"),
        workload("privileged", f"seccomp={loose}", privileged=True),
        workload("logs", f"seccomp={default_plus(allow('syslog'))}", cap_add=("SYSLOG",)),
        workload("open", "seccomp:" + profile(default="SCMP_ACT_ALLOW")),
    )
    assert sorted(hits) == ["loose", "open"]
    loose_hit = hits["loose"]
    assert loose_hit.severity == "high"
    assert loose_hit.detail["added"] == ["unshare"]  # ptrace: allowed by default (kernel 4.8+)
    assert loose_hit.detail["source"] == "inline (HostConfig.SecurityOpt)"
    assert loose_hit.location == "container loose seccomp profile"
    assert "unshare" in loose_hit.title
    assert hits["open"].detail["allows_unlisted"] is True
    assert "every syscall" in hits["open"].title


def test_compose_paths_need_the_file_attached() -> None:
    service = workload("api", "seccomp=./profiles/api.json", origin="service")
    [missing] = judge(service).values()
    assert missing.severity == "low" and "not in the evidence" in missing.title
    attached = (
        Attachment(11, "notes.txt", "api.json is our seccomp profile"),
        Attachment(12, "api.json", "this one is not JSON"),
        Attachment(13, "api.json", default_plus(allow("bpf"))),
    )
    [hit] = judge(service, attachments=attached).values()
    assert hit.detail["attachment"] == 13 and hit.detail["added"] == ["bpf"]
    assert hit.severity == "high"
    mild = (Attachment(14, "profiles/api.json", default_plus(allow("uname", "vhangup"))),)
    [hit] = judge(service, attachments=mild).values()
    assert (hit.severity, hit.detail["added"]) == ("medium", ["vhangup"])
    broken = (Attachment(15, "api.json", '{"defaultAction": "SCMP_ACT_ALLOW"}'),)
    [hit] = judge(service, attachments=broken).values()
    assert "cannot be read" in hit.title and hit.detail["attachment"] == 15


# --- the real engine ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch_image(docker_client: Any) -> Iterator[str]:
    tag = f"auditapp-test/seccomp-{uuid.uuid4().hex[:8]}:1"
    dockerfile = b'FROM scratch\nLABEL purpose=auditapp-test\nCMD ["/app"]\n'
    image, _ = docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    yield image.id
    docker_client.images.remove(image.id, force=True)


@pytest.mark.docker
def test_a_custom_profile_on_the_real_engine(docker_client: Any, scratch_image: str) -> None:
    """`docker create --security-opt seccomp=FILE` makes the CLI read the file and send its
    JSON, compacted, as "seccomp=<json>"; the engine keeps it so in HostConfig.SecurityOpt.
    docker-py does not read files, so the test sends what the CLI sends."""
    text = default_plus(allow("mount", "keyctl"))
    compact = json.dumps(json.loads(text), separators=(",", ":"))
    container = docker_client.containers.create(
        scratch_image,
        name=f"seccomp-{uuid.uuid4().hex[:8]}",
        security_opt=[f"seccomp={compact}", "no-new-privileges"],
        cap_drop=["ALL"],
    )
    try:
        inspect = docker_client.api.inspect_container(container.id)
    finally:
        container.remove(force=True)
    options = inspect["HostConfig"]["SecurityOpt"]
    assert options[0].startswith('seccomp={"defaultAction":"SCMP_ACT_ERRNO"')
    doc = EvidenceDoc(3, "engine-container", container.name, datetime.now(UTC), inspect)
    hits = seccomp_custom_profile.run(build_deployment([doc]))
    assert [(h.subject, h.evidence_id, h.severity) for h in hits] == [(container.name, 3, "high")]
    assert hits[0].detail["added"] == ["keyctl", "mount"]
    # both profiles are read for this container's (empty) capability set: nothing removed
    assert hits[0].detail["removed"] == []
