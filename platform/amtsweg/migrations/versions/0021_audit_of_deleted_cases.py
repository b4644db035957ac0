"""the audit trail of a case deleted at the end of its retention period may be deleted with it

Revision ID: 0021
Revises: 0015
Create Date: 2026-12-04 11:40:00

The audit log is append-only (0001), but the retention run must delete a case's trail with the case
(it names the citizen's files and messages). On PostgreSQL that failed for every case. The trigger
now lets an event go only when it is about a case that no longer exists: the run deletes the case
first, then its trail; nothing else can delete or change an event.
"""
from alembic import op

revision = "0021"
down_revision = "0015"
branch_labels = None
depends_on = None

GUARD = """
CREATE OR REPLACE FUNCTION amtsweg_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_event' AND OLD.object_type = 'case'
     AND OLD.object_id ~ '^[0-9]{1,18}$'
     AND NOT EXISTS (SELECT 1 FROM case_file WHERE id = OLD.object_id::bigint) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END $$
"""
ORIGINAL = """
CREATE OR REPLACE FUNCTION amtsweg_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ORIGINAL)
