"""the statistics read a town's facts from indexes alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 21:30:00

Every figure of the statistics page and the council report aggregates a town's facts of a period by
the day they were received or decided, or its open cases by age. With 200,000 facts per town the
plans read tens of thousands of heap pages per request (the rows of five towns interleave in time).
The indexes by day now carry the columns the aggregates group and count (on PostgreSQL as INCLUDE
columns, so that the planner answers from the index alone), and the open cases have a partial index
of their own. Each index leads with tenant_id, the column the row-level security policy compares;
the policies do not change. SQLite has no INCLUDE: there the indexes keep their key columns.
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_case_fact_tenant_submitted", table_name="case_fact")
    op.drop_index("ix_case_fact_tenant_finished", table_name="case_fact")
    op.create_index("ix_case_fact_tenant_submitted", "case_fact", ["tenant_id", "submitted_on"],
                    postgresql_include=["process_slug", "channel", "fee_cents", "outcome"])
    op.create_index("ix_case_fact_tenant_finished", "case_fact", ["tenant_id", "finished_on"],
                    postgresql_include=["process_slug", "processing_days", "within_target"])
    still_open = sa.column("finished_on").is_(None)
    op.create_index("ix_case_fact_tenant_open", "case_fact", ["tenant_id", "submitted_on"],
                    postgresql_where=still_open, sqlite_where=still_open)


def downgrade():
    op.drop_index("ix_case_fact_tenant_open", table_name="case_fact")
    op.drop_index("ix_case_fact_tenant_finished", table_name="case_fact")
    op.drop_index("ix_case_fact_tenant_submitted", table_name="case_fact")
    op.create_index("ix_case_fact_tenant_finished", "case_fact", ["tenant_id", "finished_on"])
    op.create_index("ix_case_fact_tenant_submitted", "case_fact", ["tenant_id", "submitted_on"])
