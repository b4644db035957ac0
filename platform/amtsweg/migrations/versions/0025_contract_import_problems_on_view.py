"""a contract import's problems are checked when the preview is shown (in the page's language), no
longer stored in the language of the upload

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 17:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contract_import") as batch:
        batch.drop_column("problems")


def downgrade():
    with op.batch_alter_table("contract_import") as batch:
        batch.add_column(sa.Column("problems", sa.JSON(), nullable=False, server_default="[]"))
