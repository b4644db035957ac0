"""OZG statistics: anonymous facts of cases and started applications, the days each service was
offered, the council report's outlook per period; filled in for the data already there

Revision ID: 0016
Revises: 0021
Create Date: 2026-12-10 09:00:00

"""
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from amtsweg.reports.facts import CaseFigures, fact_values, local_day
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0016"
down_revision = "0021"
branch_labels = None
depends_on = None

BATCH = 10_000
TABLES = ("case_fact", "application_start", "service_offer", "report_outlook")
# (table, link column, referenced table): the link is cleared when the referenced row is deleted.
LINKS = (("case_fact", "case_id", "case_file"), ("application_start", "draft_id", "application_draft"))


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _tenant_key(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=f"fk_{table}_tenant_id_tenant", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=f"pk_{table}"),
    ]


def _link(table: str, column: str, referenced: str) -> list:
    if _is_postgresql():
        # Added below with ALTER TABLE: PostgreSQL 15 clears only the link column of the composite key.
        return []
    # SQLite would clear tenant_id too (NOT NULL): the link there is the id alone.
    return [sa.ForeignKeyConstraint([column], [f"{referenced}.id"], name=f"fk_{table}_{column}_{referenced}",
                                    ondelete="SET NULL")]


def _add_composite_link(table: str, column: str, referenced: str) -> None:
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_tenant_id_{referenced} FOREIGN KEY (tenant_id, {column}) "
        f"REFERENCES {referenced} (tenant_id, id) ON DELETE SET NULL ({column})"
    )


def _create_tables() -> None:
    op.create_table(
        "case_fact",
        *_tenant_key("case_fact"),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("processing_days", sa.Integer(), nullable=True),
        sa.Column("within_target", sa.Boolean(), nullable=True),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        *_link("case_fact", "case_id", "case_file"),
        sa.UniqueConstraint("tenant_id", "case_id", name="uq_case_fact_tenant_id_case_id"),
    )
    op.create_table(
        "application_start",
        *_tenant_key("application_start"),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("furthest_step", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        *_link("application_start", "draft_id", "application_draft"),
        sa.UniqueConstraint("tenant_id", "draft_id", name="uq_application_start_tenant_id_draft_id"),
    )
    op.create_table(
        "service_offer",
        *_tenant_key("service_offer"),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("offered_from", sa.Date(), nullable=False),
        sa.Column("offered_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["process_id"], ["process.id"], name="fk_service_offer_process_id_process",
                                ondelete="RESTRICT"),
    )
    op.create_table(
        "report_outlook",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_report_outlook_tenant_id_tenant",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "period_start", "period_end", name="pk_report_outlook"),
    )
    for table, index, columns in (
        ("case_fact", "ix_case_fact_tenant_submitted", ["tenant_id", "submitted_on"]),
        ("case_fact", "ix_case_fact_tenant_finished", ["tenant_id", "finished_on"]),
        ("application_start", "ix_application_start_tenant_started", ["tenant_id", "started_on"]),
        ("service_offer", "ix_service_offer_tenant_process", ["tenant_id", "process_id"]),
    ):
        op.create_index(index, table, columns)
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])


def _backfill_case_facts(bind) -> None:
    last = 0
    while True:
        cases = bind.execute(
            sa.text("SELECT id, tenant_id, process_slug, channel, status, submitted_at, due_date, fee_cents,"
                    " closed_at, updated_at FROM case_file WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": BATCH},
        ).all()
        if not cases:
            return
        rows = []
        for case_id, tenant_id, slug, channel, status, submitted_at, due_date, fee_cents, closed_at, updated in cases:
            figures = CaseFigures(slug, channel, status, _timestamp(submitted_at), _day(due_date), fee_cents)
            # A case that is already final finished when it was closed or last changed.
            moment = _timestamp(closed_at or updated)
            rows.append({"tenant_id": tenant_id, "key": uuid.uuid4().hex, "case_id": case_id,
                         **fact_values(figures, moment, None)})
        bind.execute(sa.table("case_fact", *(sa.column(name) for name in rows[0])).insert(), rows)
        last = cases[-1][0]


def _timestamp(value):
    # SQLite hands timestamps back as text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _backfill_starts_and_offers(bind) -> None:
    drafts = bind.execute(sa.text(
        "SELECT id, tenant_id, process_slug, completed_steps, created_at FROM application_draft")).all()
    if drafts:
        bind.execute(sa.table("application_start", *(sa.column(name) for name in (
            "tenant_id", "key", "draft_id", "process_slug", "started_on", "furthest_step"))).insert(), [
            {"tenant_id": tenant_id, "key": uuid.uuid4().hex, "draft_id": draft_id, "process_slug": slug,
             "started_on": local_day(_timestamp(created)), "furthest_step": steps}
            for draft_id, tenant_id, slug, steps, created in drafts
        ])
    offers = bind.execute(sa.text(
        "SELECT tenant_id, process_id, updated_at FROM process_enablement WHERE enabled")).all()
    if offers:
        bind.execute(sa.table("service_offer", *(sa.column(name) for name in (
            "tenant_id", "key", "process_id", "offered_from"))).insert(), [
            {"tenant_id": tenant_id, "key": uuid.uuid4().hex, "process_id": process_id,
             "offered_from": local_day(_timestamp(updated))}
            for tenant_id, process_id, updated in offers
        ])


def upgrade():
    with op.batch_alter_table("application_draft") as batch_op:
        # The statistics refer to a town's draft by (tenant_id, id): docs/scaling.md.
        batch_op.create_unique_constraint("uq_application_draft_tenant_id_id", ["tenant_id", "id"])
    _create_tables()
    if _is_postgresql():
        for table, column, referenced in LINKS:
            _add_composite_link(table, column, referenced)
    for table in TABLES:
        enable_rls(op, table)
    bind = op.get_bind()
    if _is_postgresql():
        # The migration reads and writes every town's rows (row-level security is forced on the owner).
        bind.execute(sa.text("SELECT set_config('amtsweg.all_tenants', 'on', true)"))
    _backfill_case_facts(bind)
    _backfill_starts_and_offers(bind)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
        op.drop_table(table)
    with op.batch_alter_table("application_draft") as batch_op:
        batch_op.drop_constraint("uq_application_draft_tenant_id_id", type_="unique")
