"""whether a case's receipt is still to be filed

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 21:40:00

The receipt (Eingangsbestätigung) is rendered and filed by a job after the submission commits, no
longer inside the submit request. ``receipt_due`` is set by the submission and cleared by the job
that files the receipt; a partial index holds only the few cases still waiting, so the sweep that
finds a lost job reads nothing of the filed ones. Existing cases are not due (their receipts were
filed at submission, or they predate receipts). The row-level security policies of case_file do
not change.
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("receipt_due", sa.Boolean(), nullable=False, server_default=sa.false()))
    due = sa.column("receipt_due")
    op.create_index("ix_case_file_receipt_due", "case_file", ["tenant_id", "id"],
                    postgresql_where=due, sqlite_where=due)


def downgrade():
    op.drop_index("ix_case_file_receipt_due", table_name="case_file")
    with op.batch_alter_table("case_file") as batch:
        batch.drop_column("receipt_due")
