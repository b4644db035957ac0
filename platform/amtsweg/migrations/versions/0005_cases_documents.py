"""cases, reference counters, application drafts, case messages, documents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:40:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("case_file", "reference_counter", "application_draft", "case_message", "document")


def _tenant_column(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenant.id", name=f"fk_{table}_tenant_id_tenant", ondelete="RESTRICT"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("status_token_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("case_file"),
        sa.ForeignKeyConstraint(["process_version_id"], ["process_version.id"],
                                name=op.f("fk_case_file_process_version_id_process_version"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f("uq_case_file_tenant_id_reference")),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name=op.f("uq_case_file_tenant_id_idempotency_key")),
        sa.UniqueConstraint("tenant_id", "status_token_hash", name=op.f("uq_case_file_tenant_id_status_token_hash")),
    )
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_case_file_process_version_id"), ["process_version_id"])
        batch_op.create_index(batch_op.f("ix_case_file_process_slug"), ["process_slug"])
        batch_op.create_index(batch_op.f("ix_case_file_status"), ["status"])

    op.create_table(
        "reference_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        _tenant_column("reference_counter"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_counter")),
        sa.UniqueConstraint("tenant_id", "year", name=op.f("uq_reference_counter_tenant_id_year")),
    )
    with op.batch_alter_table("reference_counter") as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_counter_tenant_id"), ["tenant_id"])

    op.create_table(
        "application_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("completed_steps", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("application_draft"),
        sa.ForeignKeyConstraint(["process_version_id"], ["process_version.id"],
                                name=op.f("fk_application_draft_process_version_id_process_version"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_draft")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_application_draft_tenant_id_token_hash")),
    )
    with op.batch_alter_table("application_draft") as batch_op:
        batch_op.create_index(batch_op.f("ix_application_draft_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_application_draft_expires_at"), ["expires_at"])

    op.create_table(
        "case_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("case_message"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_case_message_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_message")),
    )
    with op.batch_alter_table("case_message") as batch_op:
        batch_op.create_index(batch_op.f("ix_case_message_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_case_message_case_id"), ["case_id"])

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("owner_type", sa.String(length=40), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("document"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_document_case_id_case_file"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["draft_id"], ["application_draft.id"],
                                name=op.f("fk_document_draft_id_application_draft"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_document_storage_key")),
    )
    with op.batch_alter_table("document") as batch_op:
        batch_op.create_index(batch_op.f("ix_document_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_document_case_id"), ["case_id"])
        batch_op.create_index(batch_op.f("ix_document_draft_id"), ["draft_id"])

    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
        op.drop_table(table)
