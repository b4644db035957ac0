"""hardening: proven-town row-level security, 64-bit money columns, revocable staff sessions

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-04 08:00:00

- Every tenant_isolation policy now compares rows with amtsweg_current_tenant(), which accepts a town
  only with its HMAC proof; the old policies let the app role switch to "all towns" itself. The
  function is read in a scalar subquery, once per statement, as 0014's settings were.
- contract.value_cents and case_file.fee_cents become BIGINT (the form accepts up to 10^12 €).
- user_account and platform_user get session_epoch: raising it ends every session of the account.
"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import POLICY_CONDITION, SETTINGS_POLICY_CONDITION, ensure_proof_function, set_all_policies

revision = "0015"
down_revision = "0018"
branch_labels = None
depends_on = None

MONEY_COLUMNS = (("contract", "value_cents", True), ("case_file", "fee_cents", False))
ACCOUNT_TABLES = ("user_account", "platform_user")


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
    set_all_policies(op, POLICY_CONDITION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        set_all_policies(op, SETTINGS_POLICY_CONDITION)
        op.execute("DROP FUNCTION IF EXISTS amtsweg_current_tenant()")
        op.execute("DROP SCHEMA IF EXISTS amtsweg_private CASCADE")
    for table in ACCOUNT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("session_epoch")
    for table, column, nullable in MONEY_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(),
                                  existing_nullable=nullable)
