"""speed at scale: row-level security policies read their settings once per statement; towns'
aliases as rows and indexes for paging through towns; the queue's due-date index; case search terms

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-04 08:00:00

"""
import json

import sqlalchemy as sa
from alembic import op
from amtsweg.cases.search import TERM_LENGTH, terms_of
from amtsweg.tenancy.rls import SETTINGS_POLICY_CONDITION, disable_rls, enable_rls, set_all_policies

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

# The condition the policies had before: current_setting() called for every row.
PER_ROW_CONDITION = (
    "(current_setting('amtsweg.all_tenants', true) = 'on' OR "
    "tenant_id = NULLIF(current_setting('amtsweg.tenant_id', true), '')::integer)"
)
BATCH = 10_000


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _backfill_aliases() -> None:
    bind = op.get_bind()
    rows = []
    for tenant_id, aliases in bind.execute(sa.text("SELECT id, aliases FROM tenant")):
        for alias in aliases if isinstance(aliases, list) else json.loads(aliases or "[]"):
            rows.append({"host": alias, "tenant_id": tenant_id})
    if rows:
        bind.execute(sa.text("INSERT INTO tenant_alias (host, tenant_id) VALUES (:host, :tenant_id)"), rows)


def _backfill_search_terms() -> None:
    bind = op.get_bind()
    if _is_postgresql():
        # The migration reads and writes every town's rows (row-level security is forced on the owner).
        bind.execute(sa.text("SELECT set_config('amtsweg.all_tenants', 'on', true)"))
    last = 0
    while True:
        cases = bind.execute(
            sa.text("SELECT id, tenant_id, applicant_name, reference FROM case_file WHERE id > :last"
                    " ORDER BY id LIMIT :batch"),
            {"last": last, "batch": BATCH},
        ).all()
        if not cases:
            return
        rows = [{"tenant_id": tenant_id, "term": term, "case_id": case_id}
                for case_id, tenant_id, name, reference in cases for term in terms_of(name, reference)]
        if rows:
            bind.execute(sa.text("INSERT INTO case_search_term (tenant_id, term, case_id)"
                                 " VALUES (:tenant_id, :term, :case_id)"), rows)
        last = cases[-1][0]


def upgrade():
    op.create_table(
        "tenant_alias",
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_tenant_alias_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_tenant_alias")),
    )
    with op.batch_alter_table("tenant_alias") as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_alias_tenant_id"), ["tenant_id"])
    _backfill_aliases()
    with op.batch_alter_table("tenant") as batch_op:
        batch_op.create_index("ix_tenant_active_name", ["active", "name"])
        batch_op.create_index("ix_tenant_updated_at", ["updated_at"])

    with op.batch_alter_table("case_file") as batch_op:
        batch_op.create_index("ix_case_file_tenant_due_date", ["tenant_id", "due_date", "id"])
        # Tables of a town's case refer to it by (tenant_id, id): docs/scaling.md.
        batch_op.create_unique_constraint("uq_case_file_tenant_id_id", ["tenant_id", "id"])

    term = sa.String(length=TERM_LENGTH, collation="C") if _is_postgresql() else sa.String(length=TERM_LENGTH)
    op.create_table(
        "case_search_term",
        sa.Column("term", term, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "case_id"], ["case_file.tenant_id", "case_file.id"],
                                name=op.f("fk_case_search_term_tenant_id_case_file"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_case_search_term_tenant_id_tenant"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "term", "case_id", name=op.f("pk_case_search_term")),
    )
    with op.batch_alter_table("case_search_term") as batch_op:
        batch_op.create_index(batch_op.f("ix_case_search_term_case_id"), ["case_id"])
        batch_op.create_index(batch_op.f("ix_case_search_term_tenant_id"), ["tenant_id"])
    enable_rls(op, "case_search_term")
    if _is_postgresql():
        # Every policy, the new table's included, in this revision's form (0015 replaces it).
        set_all_policies(op, SETTINGS_POLICY_CONDITION)
    _backfill_search_terms()


def downgrade():
    disable_rls(op, "case_search_term")
    op.drop_table("case_search_term")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_constraint("uq_case_file_tenant_id_id", type_="unique")
        batch_op.drop_index("ix_case_file_tenant_due_date")
    with op.batch_alter_table("tenant") as batch_op:
        batch_op.drop_index("ix_tenant_updated_at")
        batch_op.drop_index("ix_tenant_active_name")
    op.drop_table("tenant_alias")
    if _is_postgresql():
        set_all_policies(op, PER_ROW_CONDITION)
