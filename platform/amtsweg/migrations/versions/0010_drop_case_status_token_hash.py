"""case status links live only in case_access_token: drop the case's own token hash

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 00:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # 0008 copied every hash into case_access_token, which is what the status page reads.
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_constraint("uq_case_file_tenant_id_status_token_hash", type_="unique")
        batch_op.drop_column("status_token_hash")


def downgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("status_token_hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE case_file SET status_token_hash = (SELECT min(token_hash) FROM case_access_token "
        "WHERE case_access_token.case_id = case_file.id AND case_access_token.purpose = 'submission')"
    )
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.create_unique_constraint("uq_case_file_tenant_id_status_token_hash", ["tenant_id", "status_token_hash"])
