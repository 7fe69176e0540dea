"""Rules about security templates: each workload against its component's template, components
without one, and templates assigned but not usable."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import ComponentFacts, Deployment
from auditapp.analysis.runtime_settings import daemon_no_new_privileges, effective_user
from auditapp.analysis.template_diff import (
    KEY_CIS,
    NAMESPACE_CIS,
    SOCKET_CIS,
    RunContext,
    diff,
)
from auditapp.analysis.templates import SecurityTemplate, TemplateError, parse_template

TITLE_LIMIT = 200
# Every CIS Docker Benchmark v1.6.0 recommendation a template's keys check (each finding names
# only those its deviation breaks), and the evidence they read.
TEMPLATE_CIS = tuple(
    sorted(
        {c for ids in (*KEY_CIS.values(), *NAMESPACE_CIS.values(), SOCKET_CIS) for c in ids},
        key=lambda c: tuple(int(part) for part in c.split(".")),
    )
)
TEMPLATE_READS = (
    *("engine-container", "compose", "engine-image", "image-config"),
    *("engine-daemon", "engine-daemon-config"),
)


def usable_template(d: Deployment, c: ComponentFacts) -> SecurityTemplate | TemplateError | None:
    """The component's template parsed; the TemplateError when it is assigned but missing or
    no longer parses (the stored body may have any shape); None when none is assigned."""
    if not c.template:
        return None
    body: Any = d.templates.get(c.template)  # stored JSON: any shape
    if body is None:
        return TemplateError("", f"template {c.template!r} is assigned but not defined")
    if not isinstance(body, Mapping):
        return TemplateError("", f"template {c.template!r} is stored in a shape we cannot read")
    try:
        return parse_template(body, name=c.template)
    except TemplateError as error:
        return error


@rule(
    "template.deviation",
    "Runs differently from its security template",
    "high",
    scope="workload",
    pci=("2.2.1", "2.2.6", "7.2.5"),
    cis=TEMPLATE_CIS,
    reads=TEMPLATE_READS,
    fails="deviate from their security template",
)
def template_deviation(d: Deployment) -> Iterator[Hit]:
    """Each container or compose service is held against the security template its component
    is assigned, and every difference is one finding: a capability the template does not
    allow, a missing memory limit, a writable root filesystem, a mount outside the allowed
    list, a host namespace, a port bound wider than allowed, and so on. The finding names the
    template, the key, what the template expects and what the workload does.

    PCI DSS 2.2.1 asks for configuration standards that are applied to every system
    component; 2.2.6 for security parameters set to prevent misuse; 7.2.5 for least
    privilege. A template is the standard written down, and this rule is its check.

    Fix: change the workload to match (compose file or `docker run` options), or, where the
    difference is justified, change the template (`auditapp template define`) or accept the
    finding with a justification and an expiry date. The severity depends on the key: a
    runtime socket mount or privileged mode is critical, a missing CPU limit low."""
    for w in d.workloads:
        c = d.component(w.component)
        template = usable_template(d, c) if c is not None else None
        if not isinstance(template, SecurityTemplate):
            continue  # no template (template.unassigned) or unusable (template.missing)
        user, _source = effective_user(d, w)
        context = RunContext(user, daemon_no_new_privileges(d))
        for dev in diff(w, template, context):
            where = f"{w.label} template {dev.key}" + (f" {dev.item}" if dev.item else "")
            title = (
                f"Template {template.name}, {dev.key}: found {dev.actual}; expected {dev.expected}"
            )
            yield Hit(
                w.component,
                where,
                w.evidence_id,
                detail={
                    "template": template.name,
                    "key": dev.key,
                    "item": dev.item,
                    "expected": dev.expected,
                    "actual": dev.actual,
                    "field": dev.field_in(w),
                },
                title=title[:TITLE_LIMIT],
                severity=dev.severity,
                subject=w.name,
                cis=dev.cis_ids,
            )


@rule(
    "template.unassigned",
    "No security template assigned",
    "low",
    scope="component",
    pci=("2.2.1",),
    reads=("engine-container", "compose"),
    fails="have no security template",
)
def template_unassigned(d: Deployment) -> Iterator[Hit]:
    """A component that runs containers but has no security template assigned: nothing says
    how it is meant to run, so nothing can show that it runs that way.

    PCI DSS 2.2.1 expects a configuration standard for every system component.

    Fix: `auditapp template assign NAME COMPONENT` (define one first with `auditapp template
    define NAME --from FILE`; the shipped pci-hardened.toml is a starting point)."""
    for c in d.components:
        workloads = d.workloads_of(c.name)
        if workloads and not c.template:
            yield Hit(
                c.name,
                f"component {c.name} template",
                workloads[0].evidence_id,
                detail={"workloads": [w.label for w in workloads]},
                subject=c.name,
            )


@rule(
    "template.missing",
    "Assigned security template cannot be used",
    "medium",
    scope="component",
    pci=("2.2.1",),
    fails="have a security template that is not defined or not readable",
)
def template_missing(d: Deployment) -> Iterator[Hit]:
    """A component is assigned a security template that is not defined in this audit, or
    whose stored definition can no longer be read (for example after a newer version of the
    schema). Its workloads are then not checked against any template.

    PCI DSS 2.2.1 expects the configuration standard to be applied, which needs it to exist.

    Fix: define the template (`auditapp template define NAME --from FILE`), or assign one
    that exists."""
    for c in d.components:
        outcome = usable_template(d, c)
        if isinstance(outcome, TemplateError):
            defined = c.template in d.templates
            yield Hit(
                c.name,
                f"component {c.name} template {c.template}",
                None,
                detail={"template": c.template, "defined": defined, "problem": str(outcome)},
                title=(
                    f"Security template {c.template} cannot be read: {outcome}"
                    if defined
                    else f"Security template {c.template} is not defined"
                )[:TITLE_LIMIT],
                subject=c.name,
            )


RULES: tuple[Rule, ...] = (template_deviation, template_unassigned, template_missing)
