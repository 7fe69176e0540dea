"""What the generic STRIDE-per-element threats say: title, description, mitigation, the actors
they suit, the checklist items they bear on and the analysis rules whose findings feed them."""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.analysis.threat_model import ElementKind, Stride

# Actor kinds of the shipped catalogue (resources/threats/actors.toml).
ORGANISED_CRIME = "organised-crime"
NATION_STATE = "nation-state"
HACKTIVIST = "hacktivist"
MALICIOUS_INSIDER = "malicious-insider"
NEGLIGENT_INSIDER = "negligent-insider"
OPPORTUNIST = "opportunistic-attacker"
HACKER_FOR_HIRE = "hacker-for-hire"


@dataclass(frozen=True)
class ThreatText:
    title: str  # "{element}" is replaced by the element's name
    description: str
    mitigation: str
    actors: tuple[str, ...]
    items: tuple[str, ...] = ()
    finding_rules: tuple[str, ...] = ()


ENTITY, PROCESS, STORE, FLOW = (
    ElementKind.EXTERNAL_ENTITY,
    ElementKind.PROCESS,
    ElementKind.DATA_STORE,
    ElementKind.DATA_FLOW,
)
SPOOF, TAMPER, REPUDIATE, DISCLOSE, DENY, ELEVATE = tuple(Stride)

STRIDE_TEXTS: dict[tuple[ElementKind, Stride], ThreatText] = {
    (ENTITY, SPOOF): ThreatText(
        "Someone in {element} poses as a legitimate party",
        "A party in {element} passes itself off as a customer, partner or administrator with "
        "stolen credentials, forged tokens or a look-alike payment page, and gets requests "
        "accepted that it should not.",
        "Authenticate every party from this zone at the first component it reaches: strong "
        "customer authentication for payments, MFA for administrators, mutual TLS or signed "
        "requests for processors; limit and watch failed attempts.",
        (ORGANISED_CRIME, OPPORTUNIST, HACKER_FOR_HIRE),
        ("network.inbound_restricted", "threats.public_web_protection"),
        ("network.unauthenticated-cde-flow",),
    ),
    (ENTITY, REPUDIATE): ThreatText(
        "Actions from {element} cannot be attributed",
        "A party in {element} denies a payment, a change or an administrative action, and "
        "the logs cannot show who did what and when.",
        "Log every request that comes in from this zone with the authenticated identity, "
        "source, time and outcome; ship the logs off the host to a store the application "
        "cannot change and keep them for 12 months (PCI DSS 10.2, 10.5.1).",
        (ORGANISED_CRIME, MALICIOUS_INSIDER),
        ("profile.container_logging", "monitoring.daily_log_review"),
    ),
    (PROCESS, SPOOF): ThreatText(
        "Spoofing of {element} or of its callers",
        "Another container or an outside party impersonates {element}, or one of its "
        "clients, because neither end proves who it is: no mutual TLS, shared or default "
        "credentials, trust in whoever shares the network.",
        "Authenticate both ends of each connection (mutual TLS or per-service credentials from "
        "a secrets manager), give every service its own account, and never trust a peer "
        "because it shares a network.",
        (ORGANISED_CRIME, HACKER_FOR_HIRE, MALICIOUS_INSIDER),
        ("lateral.service_credentials", "lateral.service_account_privilege"),
        ("network.unauthenticated-cde-flow",),
    ),
    (PROCESS, TAMPER): ThreatText(
        "Tampering with {element} at runtime",
        "An attacker with code execution changes the component's code, configuration or files "
        "while it runs (a web shell, a card skimmer injected into pages, a replaced binary), "
        "and the change stays until the container is replaced.",
        "Run with a read-only root filesystem, writing only to declared volumes or tmpfs; "
        "deploy only images your pipeline built and signed; detect changed files and new "
        "binaries in running containers (PCI DSS 11.5.2).",
        (ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER),
        ("profile.read_only_rootfs", "monitoring.change_detection"),
        ("runtime.writable-rootfs",),
    ),
    (PROCESS, REPUDIATE): ThreatText(
        "Actions in {element} leave no trustworthy trace",
        "What the component did, and for whom, cannot be shown afterwards: it writes no "
        "security log, keeps logs inside the container, or whoever controls the container can "
        "rewrite them.",
        "Log security events with the user or calling service, forward them through the "
        "logging driver to a central store the container cannot change, and log docker exec "
        "and configuration changes on the host (PCI DSS 10.2).",
        (MALICIOUS_INSIDER, ORGANISED_CRIME),
        ("profile.container_logging", "lateral.admin_actions_logged"),
    ),
    (PROCESS, DISCLOSE): ThreatText(
        "{element} discloses data or secrets",
        "The component leaks what it handles or carries: card data in responses or logs, "
        "secrets in its image layers or environment, detailed error messages, memory "
        "readable from the host or a neighbour.",
        "Keep secrets out of images and environment variables (mount them from a secrets "
        "manager), mask PAN wherever it is shown or logged, return plain errors, and keep host "
        "namespaces and the Docker socket out of the container.",
        (ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER, NEGLIGENT_INSIDER),
        ("profile.no_secrets_in_images", "lateral.service_credentials"),
        ("image.secret-in-configuration", "image.secret-file-in-layer"),
    ),
    (PROCESS, DENY): ThreatText(
        "Denial of service against {element}",
        "A flood of requests, one expensive request or a runaway neighbour exhausts memory, "
        "CPU or process slots, and the component, or every container on its host, stops "
        "serving.",
        "Set memory, CPU and PIDs limits on every container and a restart policy with a "
        "retry cap, rate-limit at the edge, and keep a health check so failures show.",
        (HACKTIVIST, OPPORTUNIST, ORGANISED_CRIME),
        ("profile.resource_limits", "profile.healthchecks"),
        ("runtime.memory-limit", "runtime.cpu-limit", "runtime.pids-limit"),
    ),
    (PROCESS, ELEVATE): ThreatText(
        "Elevation of privilege from {element}",
        "An attacker with code execution becomes root in the component and reaches beyond it: "
        "added capabilities, a writable host mount, no user namespace or a kernel flaw lead "
        "to the host and to every other container on it.",
        "Run as a non-root user, drop all capabilities and add back only what is needed, set "
        "no-new-privileges, keep Docker's seccomp profile and an AppArmor or SELinux profile, "
        "never run privileged, and keep the host kernel patched.",
        (ORGANISED_CRIME, NATION_STATE, HACKER_FOR_HIRE, OPPORTUNIST),
        (
            "profile.non_root_user",
            "profile.capabilities_restricted",
            "profile.no_new_privileges",
            "profile.no_privileged_containers",
        ),
        (
            "runtime.privileged",
            "runtime.root-user",
            "runtime.capabilities",
            "runtime.no-new-privileges",
            "runtime.seccomp-unconfined",
        ),
    ),
    (STORE, TAMPER): ThreatText(
        "Tampering with the data in {element}",
        "Someone with the store's credentials or network access changes what it keeps: "
        "altered amounts or payout accounts, planted records, or the whole store encrypted "
        "for ransom.",
        "Give each client its own least-privileged account, keep the store on an internal "
        "network that only its declared clients share, back it up where the application "
        "cannot delete, and watch for unexpected writes.",
        (ORGANISED_CRIME, MALICIOUS_INSIDER),
        ("lateral.service_account_privilege", "network.chd_not_directly_reachable"),
    ),
    (STORE, REPUDIATE): ThreatText(
        "Log records in {element} can be erased or rewritten",
        "The store keeps the audit trail. If an attacker or an insider can delete or rewrite "
        "entries, their actions leave no trace and nobody can show who did what.",
        "Make the log store append-only for its writers, separate the accounts that write and "
        "read, keep it out of reach of the hosts whose logs it holds, alert when logs stop "
        "arriving (PCI DSS 10.7.2) and keep 12 months of them (10.5.1).",
        (MALICIOUS_INSIDER, ORGANISED_CRIME, NATION_STATE),
        (
            "profile.container_logging",
            "monitoring.daily_log_review",
            "monitoring.control_failures",
        ),
    ),
    (STORE, DISCLOSE): ThreatText(
        "Disclosure of the data held in {element}",
        "Someone who should not reads what the store keeps: through a published port, from a "
        "neighbour on its network, with stolen service credentials, or from an unencrypted "
        "volume or backup.",
        "Keep the store unreachable from untrusted networks (PCI DSS 1.4.4), render stored PAN "
        "unreadable (3.5.1), require each client to authenticate with its own account, and "
        "limit who can read its volumes and backups.",
        (ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER, HACKER_FOR_HIRE, OPPORTUNIST),
        (
            "network.chd_not_directly_reachable",
            "lateral.service_account_privilege",
            "lateral.east_west_segmentation",
        ),
        (
            "network.cde-internet-reachable",
            "network.unjustified-exposure",
            "runtime.all-interfaces",
        ),
    ),
    (STORE, DENY): ThreatText(
        "Denial of service against {element}",
        "The store is exhausted or wiped (connection floods, a disk filled by a runaway "
        "writer, a deleted volume, ransomware) and every component that depends on it stops.",
        "Set resource limits, size and watch its volume, cap connections per client, and keep "
        "tested backups off the host.",
        (ORGANISED_CRIME, HACKTIVIST),
        ("profile.resource_limits",),
        ("runtime.memory-limit",),
    ),
    (FLOW, TAMPER): ThreatText(
        "Tampering with {element} in transit",
        "Someone on the path (a container on the same network, the host, a proxy in between) "
        "changes requests or responses: a redirected payment, a changed amount, an injected "
        "script.",
        "Encrypt and authenticate the flow end to end with TLS 1.2 or later and verified "
        "certificates (mutual TLS between services), on a network only its two ends share.",
        (ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER),
        ("network.encryption_in_transit", "lateral.east_west_segmentation"),
        ("network.cleartext-cardholder-data", "network.unauthenticated-cde-flow"),
    ),
    (FLOW, DISCLOSE): ThreatText(
        "Eavesdropping on {element}",
        "What the flow carries is read on the way: sniffed on a shared bridge network or on "
        "the host, logged by a proxy in between, or exposed by weak TLS.",
        "Encrypt the flow with TLS 1.2 or later and strong ciphers, verify certificates, and "
        "keep it on a network that only its two ends share.",
        (ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER),
        ("network.encryption_in_transit",),
        ("network.cleartext-cardholder-data",),
    ),
    (FLOW, DENY): ThreatText(
        "Disruption of {element}",
        "The flow is blocked or flooded so its destination cannot be reached: a saturated "
        "link, an exhausted proxy, a network change that drops it.",
        "Filter and rate-limit where the flow enters, set connection limits and timeouts on "
        "both ends, and watch that the flow keeps working.",
        (HACKTIVIST, OPPORTUNIST, ORGANISED_CRIME),
        ("network.inbound_restricted", "profile.resource_limits"),
        ("network.flow-not-carried",),
    ),
}
