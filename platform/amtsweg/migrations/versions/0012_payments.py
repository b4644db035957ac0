"""payments per case and attempt, and their history

Revision ID: 0012
Revises: 0017
Create Date: 2026-11-26 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0012"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_reference", sa.String(length=20), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("kassenzeichen", sa.String(length=36), nullable=False),
        sa.Column("return_token_hash", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("transaction_reference", sa.String(length=64), nullable=False),
        sa.Column("redirect_url", sa.Text(), nullable=True),
        sa.Column("provider_status", sa.String(length=40), nullable=False),
        sa.Column("paid_with", sa.String(length=30), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=False),
        sa.Column("error_detail", sa.String(length=500), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name="fk_payment_case_id_case_file", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_payment_tenant_id_tenant", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_payment"),
        sa.UniqueConstraint("tenant_id", "case_id", "attempt", name="uq_payment_tenant_id_case_id_attempt"),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_payment_tenant_id_request_id"),
        sa.UniqueConstraint("tenant_id", "return_token_hash", name="uq_payment_tenant_id_return_token_hash"),
        sa.UniqueConstraint("tenant_id", "transaction_id", name="uq_payment_tenant_id_transaction_id"),
    )
    op.create_index("ix_payment_tenant_id", "payment", ["tenant_id"])
    op.create_index("ix_payment_case_id", "payment", ["case_id"])
    op.create_index("ix_payment_tenant_status", "payment", ["tenant_id", "status"])
    op.create_index("ix_payment_tenant_paid_at", "payment", ["tenant_id", "paid_at"])
    enable_rls(op, "payment")

    op.create_table(
        "payment_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("provider_status", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], name="fk_payment_event_payment_id_payment",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_payment_event_tenant_id_tenant",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_event"),
    )
    op.create_index("ix_payment_event_tenant_id", "payment_event", ["tenant_id"])
    op.create_index("ix_payment_event_payment_id", "payment_event", ["payment_id"])
    enable_rls(op, "payment_event")


def downgrade():
    disable_rls(op, "payment_event")
    op.drop_table("payment_event")
    disable_rls(op, "payment")
    op.drop_table("payment")
