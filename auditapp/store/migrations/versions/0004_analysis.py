"""analysis: findings status, templates, flows, threats, suggestions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
            name=op.f("fk_analysis_run_audit_id_audit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_run")),
    )
    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_run_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=20), nullable=False),
        sa.Column("data_classes", sa.Text(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_flow_audit_id_audit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow")),
    )
    with op.batch_alter_table("flow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "security_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
            name=op.f("fk_security_template_audit_id_audit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_template")),
        sa.UniqueConstraint("audit_id", "name", name=op.f("uq_security_template_audit_id_name")),
    )
    with op.batch_alter_table("security_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_security_template_audit_id"), ["audit_id"], unique=False
        )

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
            name=op.f("fk_suggestion_audit_id_audit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
        sa.UniqueConstraint("audit_id", "item_key", name=op.f("uq_suggestion_audit_id_item_key")),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "threat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("element", sa.String(length=300), nullable=False),
        sa.Column("element_kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("actors", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.String(length=10), nullable=False),
        sa.Column("impact", sa.String(length=10), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_threat_audit_id_audit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat")),
        sa.UniqueConstraint("audit_id", "fingerprint", name=op.f("uq_threat_audit_id_fingerprint")),
    )
    with op.batch_alter_table("threat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threat_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "threat_actor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("stix_type", sa.String(length=60), nullable=False),
        sa.Column("motivations", sa.Text(), nullable=False),
        sa.Column("sophistication", sa.String(length=40), nullable=False),
        sa.Column("resources", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
            name=op.f("fk_threat_actor_audit_id_audit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_actor")),
        sa.UniqueConstraint("audit_id", "kind", name=op.f("uq_threat_actor_audit_id_kind")),
    )
    with op.batch_alter_table("threat_actor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threat_actor_audit_id"), ["audit_id"], unique=False)

    with op.batch_alter_table("component", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("template", sa.String(length=100), nullable=False, server_default="")
        )

    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("justification", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("expires", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("status_by", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("status_at")
        batch_op.drop_column("status_by")
        batch_op.drop_column("expires")
        batch_op.drop_column("justification")

    with op.batch_alter_table("component", schema=None) as batch_op:
        batch_op.drop_column("template")

    with op.batch_alter_table("threat_actor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_threat_actor_audit_id"))

    op.drop_table("threat_actor")
    with op.batch_alter_table("threat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_threat_audit_id"))

    op.drop_table("threat")
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_audit_id"))

    op.drop_table("suggestion")
    with op.batch_alter_table("security_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_template_audit_id"))

    op.drop_table("security_template")
    with op.batch_alter_table("flow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_audit_id"))

    op.drop_table("flow")
    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_run_audit_id"))

    op.drop_table("analysis_run")
