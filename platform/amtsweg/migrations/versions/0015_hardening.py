"""hardening: proven-town row-level security, 64-bit money columns, revocable staff sessions

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04 08:00:00

- Every tenant_isolation policy now compares rows with amtsweg_current_tenant(), which accepts a town
  only with its HMAC proof; the old policies let the app role switch to "all towns" itself.
- contract.value_cents and case_file.fee_cents become BIGINT (the form accepts up to 10^12 €).
- user_account and platform_user get session_epoch: raising it ends every session of the account.
"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import POLICY_NAME, ensure_proof_function, policy_sql

revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None

MONEY_COLUMNS = (("contract", "value_cents", True), ("case_file", "fee_cents", False))
ACCOUNT_TABLES = ("user_account", "platform_user")
# The policy condition before this revision (kept here to restore it on downgrade).
OLD_CONDITION = (
    "(current_setting('amtsweg.all_tenants', true) = 'on' OR "
    "tenant_id = NULLIF(current_setting('amtsweg.tenant_id', true), '')::integer)"
)


def _policy_tables() -> list[str]:
    rows = op.get_bind().execute(
        sa.text("SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = :name "
                "ORDER BY tablename"),
        {"name": POLICY_NAME},
    )
    return [row[0] for row in rows]


def upgrade():
    for table, column, nullable in MONEY_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(),
                                  existing_nullable=nullable)
    for table in ACCOUNT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name != "postgresql":
        return
    ensure_proof_function(op)
    for table in _policy_tables():
        op.execute(f"DROP POLICY {POLICY_NAME} ON {table}")
        op.execute(policy_sql(table)[-1])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in _policy_tables():
            op.execute(f"DROP POLICY {POLICY_NAME} ON {table}")
            op.execute(f"CREATE POLICY {POLICY_NAME} ON {table} USING {OLD_CONDITION} WITH CHECK {OLD_CONDITION}")
        op.execute("DROP FUNCTION IF EXISTS amtsweg_current_tenant()")
        op.execute("DROP SCHEMA IF EXISTS amtsweg_private CASCADE")
    for table in ACCOUNT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("session_epoch")
    for table, column, nullable in MONEY_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(),
                                  existing_nullable=nullable)
