"""an index of a town's facts by process

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 17:45:00

The statistics pages list the processes a town has facts of; without an index PostgreSQL read every
fact row of the town (200,000 in the benchmark) for ``SELECT DISTINCT process_slug``. With
(tenant_id, process_slug) each process of the library is one probe. The index leads with tenant_id,
the column the row-level security policy of case_fact compares, so the policy's condition is an
index condition too; the policies themselves do not change.
"""
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_case_fact_tenant_process", "case_fact", ["tenant_id", "process_slug"])


def downgrade():
    op.drop_index("ix_case_fact_tenant_process", table_name="case_fact")
