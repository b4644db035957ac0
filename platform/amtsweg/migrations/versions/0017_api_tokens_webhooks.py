"""JSON API keys, webhook subscriptions and their deliveries (through the outbox)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 10:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = ("api_token", "webhook_subscription", "webhook_delivery")


def _tenant_column(table):
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    ]


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_column("api_token"),
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_column("webhook_subscription"),
    )
    # Deliveries refer to their outbox row by (tenant_id, id), like every key between a town's tables.
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.create_unique_constraint("uq_outbox_message_tenant_id_id", ["tenant_id", "id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.String(length=16), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_column("webhook_delivery"),
        sa.ForeignKeyConstraint(["tenant_id", "subscription_id"],
                                ["webhook_subscription.tenant_id", "webhook_subscription.id"],
                                name=op.f("fk_webhook_delivery_tenant_id_webhook_subscription"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "outbox_message_id"], ["outbox_message.tenant_id", "outbox_message.id"],
                                name=op.f("fk_webhook_delivery_tenant_id_outbox_message"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "subscription_id", "event_id",
                            name=op.f("uq_webhook_delivery_tenant_id_subscription_id_event_id")),
        sa.UniqueConstraint("tenant_id", "outbox_message_id",
                            name=op.f("uq_webhook_delivery_tenant_id_outbox_message_id")),
    )
    with op.batch_alter_table("webhook_delivery") as batch_op:
        batch_op.create_index("ix_webhook_delivery_subscription", ["tenant_id", "subscription_id", "created_at"])
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_tenant_id"), ["tenant_id"])
        enable_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
        op.drop_table(table)
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_constraint("uq_outbox_message_tenant_id_id", type_="unique")
