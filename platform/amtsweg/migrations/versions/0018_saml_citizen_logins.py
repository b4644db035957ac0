"""SAML citizen logins (pending and active, per town), used assertion IDs and the applicant's
identification on the case

Revision ID: 0018
Revises: 0020
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0018"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("idp", sa.String(length=20), nullable=False),
        sa.Column("minimum_level", sa.Integer(), nullable=False),
        sa.Column("requested", sa.JSON(), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("name_id", sa.JSON(), nullable=False),
        sa.Column("session_index", sa.String(length=255), nullable=False),
        sa.Column(
            "tenant_id", sa.Integer(),
            sa.ForeignKey("tenant.id", name="fk_citizen_login_tenant_id_tenant", ondelete="RESTRICT"), nullable=False,
        ),
        sa.ForeignKeyConstraint(["account_id"], ["citizen_account.id"], name="fk_citizen_login_account_id_citizen_account",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_citizen_login"),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_citizen_login_tenant_id_request_id"),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_citizen_login_tenant_id_token_hash"),
    )
    op.create_index("ix_citizen_login_tenant_id", "citizen_login", ["tenant_id"])
    op.create_index("ix_citizen_login_account_id", "citizen_login", ["account_id"])
    op.create_index("ix_citizen_login_expires_at", "citizen_login", ["expires_at"])
    enable_rls(op, "citizen_login")

    # Not a town's data (only the IdP's assertion IDs): replays are refused across all towns.
    op.create_table(
        "saml_seen_assertion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("assertion_id", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saml_seen_assertion"),
        sa.UniqueConstraint("issuer", "assertion_id", name="uq_saml_seen_assertion_issuer_assertion_id"),
    )
    op.create_index("ix_saml_seen_assertion_expires_at", "saml_seen_assertion", ["expires_at"])

    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("identity_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("identity_source", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("case_file") as batch:
        batch.drop_column("identity_source")
        batch.drop_column("identity_level")
    op.drop_index("ix_saml_seen_assertion_expires_at", table_name="saml_seen_assertion")
    op.drop_table("saml_seen_assertion")
    disable_rls(op, "citizen_login")
    op.drop_index("ix_citizen_login_expires_at", table_name="citizen_login")
    op.drop_index("ix_citizen_login_account_id", table_name="citizen_login")
    op.drop_index("ix_citizen_login_tenant_id", table_name="citizen_login")
    op.drop_table("citizen_login")
