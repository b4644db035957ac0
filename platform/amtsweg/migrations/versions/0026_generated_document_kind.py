"""what the platform made a generated document as (receipt, payment receipt)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 17:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("document") as batch:
        batch.drop_column("kind")
