"""case access tokens (one status link per citizen mail) and citizen accounts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls, every_towns_rows

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _tenant_column(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenant.id", name=f"fk_{table}_tenant_id_tenant", ondelete="RESTRICT"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "citizen_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("citizen_account"),
        sa.PrimaryKeyConstraint("id", name="pk_citizen_account"),
        sa.UniqueConstraint("tenant_id", "issuer", "subject", name="uq_citizen_account_tenant_id_issuer_subject"),
    )
    op.create_index("ix_citizen_account_tenant_id", "citizen_account", ["tenant_id"])
    enable_rls(op, "citizen_account")

    op.create_table(
        "case_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_column("case_access_token"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name="fk_case_access_token_case_id_case_file",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_case_access_token"),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_case_access_token_tenant_id_token_hash"),
    )
    op.create_index("ix_case_access_token_tenant_id", "case_access_token", ["tenant_id"])
    op.create_index("ix_case_access_token_case_id", "case_access_token", ["case_id"])
    enable_rls(op, "case_access_token")
    # Every existing status link keeps working: its hash becomes the case's first access token.
    with every_towns_rows(op, "case_file", "case_access_token"):
        op.execute(
            "INSERT INTO case_access_token (case_id, token_hash, purpose, created_at, tenant_id) "
            "SELECT id, status_token_hash, 'submission', submitted_at, tenant_id FROM case_file"
        )

    # batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("citizen_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_case_file_citizen_account_id_citizen_account", "citizen_account", ["citizen_account_id"], ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_case_file_citizen_account_id", ["citizen_account_id"])


def downgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_index("ix_case_file_citizen_account_id")
        batch_op.drop_constraint("fk_case_file_citizen_account_id_citizen_account", type_="foreignkey")
        batch_op.drop_column("citizen_account_id")
    disable_rls(op, "case_access_token")
    op.drop_table("case_access_token")
    disable_rls(op, "citizen_account")
    op.drop_table("citizen_account")
