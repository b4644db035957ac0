"""workbench: case assignee (with the queue index) and internal case notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 23:45:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_case_file_assignee_id_user_account", "user_account", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_case_file_queue", ["tenant_id", "status", "assignee_id"])

    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name="fk_case_note_case_id_case_file",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name="fk_case_note_author_id_user_account",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_case_note_tenant_id_tenant",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_case_note"),
    )
    with op.batch_alter_table("case_note") as batch_op:
        batch_op.create_index("ix_case_note_tenant_id", ["tenant_id"])
        batch_op.create_index("ix_case_note_case_id", ["case_id"])
    enable_rls(op, "case_note")


def downgrade():
    disable_rls(op, "case_note")
    op.drop_table("case_note")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_index("ix_case_file_queue")
        batch_op.drop_constraint("fk_case_file_assignee_id_user_account", type_="foreignkey")
        batch_op.drop_column("assignee_id")
