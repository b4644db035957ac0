"""state held on the case (pause start, payment request, closing date) and the outbox row's case

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00

Until now the pause start and the closing date were read back from the audit trail, and a case's
mails were found by searching their JSON for its reference. The values are copied from there once.
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PAUSED = ("waiting_for_citizen", "awaiting_payment")


def _json(value: Any) -> Any:
    # SQLite hands JSON columns to raw SQL as text, PostgreSQL as Python values.
    return json.loads(value) if isinstance(value, str) else (value or {})


def _last_transitions(bind: sa.Connection) -> dict[str, tuple[Any, Any, list[tuple[str, Any]]]]:
    """Per case id: (to, occurred_at) of its last transition, and every (to, occurred_at) in order."""
    rows = bind.execute(sa.text(
        "SELECT object_id, details, occurred_at FROM audit_event "
        "WHERE object_type = 'case' AND action = 'case.transition' ORDER BY id"
    ))
    history: dict[str, list[tuple[str, Any]]] = {}
    for object_id, details, occurred_at in rows:
        history.setdefault(object_id, []).append((_json(details).get("to"), occurred_at))
    return {case_id: (*events[-1], events) for case_id, events in history.items()}


def _backfill_cases(bind: sa.Connection) -> None:
    transitions = _last_transitions(bind)
    cases = bind.execute(sa.text("SELECT id, status, closed_at, updated_at FROM case_file")).all()
    update = sa.text(
        "UPDATE case_file SET paused_at = :paused_at, payment_requested_at = :payment_requested_at, "
        "closed_at = :closed_at WHERE id = :id"
    )
    for case_id, status, closed_at, updated_at in cases:
        last_to, last_at, events = transitions.get(str(case_id), (None, None, []))
        paused_at = last_at if status in PAUSED and last_to == status else None
        payment_requested_at = last_at if status == "awaiting_payment" and last_to == status else None
        if closed_at is None and status in ("closed", "archived"):
            closings = [at for to, at in events if to == "closed"]
            closed_at = closings[-1] if closings else updated_at
        if paused_at or payment_requested_at or closed_at:
            bind.execute(update, {"id": case_id, "paused_at": paused_at,
                                  "payment_requested_at": payment_requested_at, "closed_at": closed_at})


def _backfill_outbox(bind: sa.Connection) -> None:
    cases = {(tenant_id, reference): case_id for case_id, tenant_id, reference
             in bind.execute(sa.text("SELECT id, tenant_id, reference FROM case_file"))}
    update = sa.text("UPDATE outbox_message SET case_id = :case_id WHERE id = :id")
    for message_id, tenant_id, payload in bind.execute(sa.text("SELECT id, tenant_id, payload FROM outbox_message")):
        context = _json(payload).get("context") or {}
        nested = context.get("case") if isinstance(context.get("case"), dict) else {}
        reference = context.get("reference") or nested.get("reference")
        case_id = cases.get((tenant_id, reference))
        if case_id is not None:
            bind.execute(update, {"id": message_id, "case_id": case_id})


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The owner role is subject to row-level security too (FORCE); the copy spans every town.
        op.execute("SELECT set_config('amtsweg.all_tenants', 'on', true)")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("payment_requested_at", sa.DateTime(timezone=True), nullable=True))
    # batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_outbox_message_case_id_case_file", "case_file", ["case_id"], ["id"],
                                    ondelete="CASCADE")
        batch_op.create_index("ix_outbox_message_case_id", ["case_id"])
    _backfill_cases(bind)
    _backfill_outbox(bind)


def downgrade():
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_index("ix_outbox_message_case_id")
        batch_op.drop_constraint("fk_outbox_message_case_id_case_file", type_="foreignkey")
        batch_op.drop_column("case_id")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("payment_requested_at")
        batch_op.drop_column("paused_at")
