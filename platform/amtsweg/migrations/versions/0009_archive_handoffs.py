"""archive hand-offs (xdomea 0503 packages) and the closing/archiving dates of a case

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "archive_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=20), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_archive_handoff_tenant_id_tenant",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_handoff"),
        sa.UniqueConstraint("tenant_id", "case_reference", name="uq_archive_handoff_tenant_id_case_reference"),
        sa.UniqueConstraint("tenant_id", "process_id", name="uq_archive_handoff_tenant_id_process_id"),
    )
    op.create_index("ix_archive_handoff_tenant_id", "archive_handoff", ["tenant_id"])
    enable_rls(op, "archive_handoff")


def downgrade():
    disable_rls(op, "archive_handoff")
    op.drop_table("archive_handoff")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("closed_at")
