"""a process remembers which folder content the last sync brought in

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 10:20:00

A version published in the admin editor must survive the next ``flask processes sync``: sync now
only moves a process when its folder changed since the last sync (issue 11, defect 6). Existing
processes start from the newest version the sync itself stored.
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process") as batch_op:
        batch_op.add_column(sa.Column("synced_version", sa.String(64), nullable=True))
    op.execute(
        "UPDATE process SET synced_version = (SELECT v.version FROM process_version v "
        "WHERE v.process_id = process.id AND v.author = 'flask processes sync' ORDER BY v.id DESC LIMIT 1)"
    )


def downgrade():
    with op.batch_alter_table("process") as batch_op:
        batch_op.drop_column("synced_version")
