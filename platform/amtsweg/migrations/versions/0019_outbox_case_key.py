"""an outbox row refers to its case by (tenant_id, case_id), like every key to a town's row

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-08 09:00:00

0011 gave outbox_message a foreign key to case_file (id); case_file's (tenant_id, id) key came
with 0014. A distributed PostgreSQL keeps a town's rows together only when the keys between its
tables include tenant_id (docs/scaling.md), so the key is replaced by the composite one.
"""
from alembic import op

revision = "0019"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # batch mode: SQLite cannot change a foreign key in place.
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_constraint("fk_outbox_message_case_id_case_file", type_="foreignkey")
        batch_op.create_foreign_key("fk_outbox_message_tenant_id_case_file", "case_file", ["tenant_id", "case_id"],
                                    ["tenant_id", "id"], ondelete="CASCADE")


def downgrade():
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_constraint("fk_outbox_message_tenant_id_case_file", type_="foreignkey")
        batch_op.create_foreign_key("fk_outbox_message_case_id_case_file", "case_file", ["case_id"], ["id"],
                                    ondelete="CASCADE")
