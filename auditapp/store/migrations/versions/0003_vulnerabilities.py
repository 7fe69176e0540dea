"""vulnerability data and vex

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vuln_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("ecosystems", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vuln_source")),
    )
    op.create_table(
        "advisory",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("modified", sa.String(length=40), nullable=False),
        sa.Column("published", sa.String(length=40), nullable=False),
        sa.Column("withdrawn", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("database_severity", sa.String(length=20), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["vuln_source.id"], name=op.f("fk_advisory_source_id_vuln_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory")),
    )
    with op.batch_alter_table("advisory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advisory_source_id"), ["source_id"], unique=False)

    op.create_table(
        "vex_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("purl", sa.Text(), nullable=False),
        sa.Column("vuln_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("justification", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
            name=op.f("fk_vex_statement_audit_id_audit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vex_statement")),
        sa.UniqueConstraint(
            "audit_id", "purl", "vuln_id", name=op.f("uq_vex_statement_audit_id_purl_vuln_id")
        ),
    )
    with op.batch_alter_table("vex_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vex_statement_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "advisory_alias",
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("advisory_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisory.id"],
            name=op.f("fk_advisory_alias_advisory_id_advisory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alias", "advisory_id", name=op.f("pk_advisory_alias")),
    )
    with op.batch_alter_table("advisory_alias", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_advisory_alias_advisory_id"), ["advisory_id"], unique=False
        )

    op.create_table(
        "affected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advisory_id", sa.String(length=100), nullable=False),
        sa.Column("ecosystem", sa.String(length=100), nullable=False),
        sa.Column("ecosystem_base", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisory.id"],
            name=op.f("fk_affected_advisory_id_advisory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected")),
    )
    with op.batch_alter_table("affected", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affected_advisory_id"), ["advisory_id"], unique=False)
        batch_op.create_index("ix_affected_lookup", ["ecosystem_base", "name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("affected", schema=None) as batch_op:
        batch_op.drop_index("ix_affected_lookup")
        batch_op.drop_index(batch_op.f("ix_affected_advisory_id"))

    op.drop_table("affected")
    with op.batch_alter_table("advisory_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advisory_alias_advisory_id"))

    op.drop_table("advisory_alias")
    with op.batch_alter_table("vex_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vex_statement_audit_id"))

    op.drop_table("vex_statement")
    with op.batch_alter_table("advisory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advisory_source_id"))

    op.drop_table("advisory")
    op.drop_table("vuln_source")
