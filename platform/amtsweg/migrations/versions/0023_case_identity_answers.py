"""which answers of a case came from the applicant's login (identity provider)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("identity_answers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("case_file") as batch:
        batch.drop_column("identity_answers")
