"""EXPLAIN ANALYZE of the queries behind the slow pages, as the app role under row-level security.

Each query runs in the main town with the town proven as the app proves it (``set_config`` of the
town and its HMAC per transaction). The policies are measured both ways: with the town function read
in a scalar subquery (evaluated once per statement, the current migration) and, for comparison,
temporarily altered to calling it for every row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.stack import Stack

# The shape of the statements behind the clerks' pages (as the ORM sends them, town filter included;
# lists of constants written out as the queries write them).
UNFINISHED = "status NOT IN ('approved', 'rejected', 'closed', 'archived', 'withdrawn', 'deleted')"
NOT_ACCESS = "action NOT IN ('case.viewed', 'document.downloaded', 'case.receipt_printed')"
IDS_FIRST = "SELECT * FROM case_file WHERE id = ANY(ARRAY({}))"
QUERIES = {
    "queue: one status counted up to 999": (
        "SELECT count(*) FROM (SELECT id FROM case_file WHERE tenant_id = %(town)s AND status = 'in_progress' "
        "LIMIT 1000) AS counted"
    ),
    # Whole rows in id order: the planner may walk the primary key through the other towns' newer cases.
    "queue: first page, rows in id order (before)": (
        "SELECT * FROM case_file WHERE tenant_id = %(town)s ORDER BY tenant_id DESC, id DESC LIMIT 51"
    ),
    "queue: first page, ids first (now)": IDS_FIRST.format(
        "SELECT id FROM case_file WHERE tenant_id = %(town)s ORDER BY tenant_id DESC, id DESC LIMIT 51"
    ),
    "queue: by due date, ids first (now)": IDS_FIRST.format(
        "SELECT id FROM case_file WHERE tenant_id = %(town)s ORDER BY tenant_id, due_date NULLS LAST, id LIMIT 51"
    ),
    "queue: overdue, rows in id order (before)": (
        f"SELECT * FROM case_file WHERE tenant_id = %(town)s AND due_date < current_date AND {UNFINISHED} "
        "ORDER BY tenant_id DESC, id DESC LIMIT 51"
    ),
    "queue: overdue, ids first (now)": IDS_FIRST.format(
        f"SELECT id FROM case_file WHERE tenant_id = %(town)s AND due_date < current_date AND {UNFINISHED} "
        "ORDER BY tenant_id DESC, id DESC LIMIT 51"
    ),
    "queue: name search, search terms": IDS_FIRST.format(
        "SELECT id FROM case_file WHERE tenant_id = %(town)s AND id IN (SELECT case_id FROM case_search_term "
        "WHERE tenant_id = %(town)s AND term >= 'quandtmeyer' AND term < 'quandtmeyer' || chr(1114111)) "
        "ORDER BY tenant_id DESC, id DESC LIMIT 51"
    ),
    "case page: a page of history (10,000 views)": (
        f"SELECT * FROM audit_event WHERE tenant_id = %(town)s AND object_type = 'case' AND object_id = %(heavy)s "
        f"AND {NOT_ACCESS} ORDER BY id DESC LIMIT 11"
    ),
    "case page: viewed today already? (10,000 views)": (
        "SELECT id FROM audit_event WHERE tenant_id = %(town)s AND object_type = 'case' AND object_id = %(heavy)s "
        "AND action = 'case.viewed' AND actor = 'Sachbearbeitung Last' AND occurred_at >= current_date LIMIT 1"
    ),
    "contract search": (
        "SELECT count(*) FROM contract WHERE tenant_id = %(town)s AND search_text LIKE '%%wartung%%'"
    ),
}
PER_ROW_CONDITION = "(tenant_id = amtsweg_current_tenant())"
TABLES = ("case_file", "case_search_term", "audit_event", "contract")


@dataclass(frozen=True)
class Plan:
    query: str
    policy: str
    milliseconds: float
    # Index names the plan reads, and whether it scans a whole table.
    indexes: list[str]
    sequential_scan: bool

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _walk(child))]


def _proof(stack: Stack, town: int) -> str:
    """What the app sets to prove ``town`` (the key is readable by the ops role only)."""
    from amtsweg.tenancy.rls import PRIVATE_SCHEMA, tenant_proof

    with stack.ops() as conn:
        key = conn.execute(f"SELECT key FROM {PRIVATE_SCHEMA}.rls_key").fetchone()[0]
    return tenant_proof(bytes(key), town)


def _explain(stack: Stack, sql: str, parameters: dict[str, Any], town: int) -> tuple[float, list[str], bool]:
    from amtsweg.tenancy.rls import SETTING

    with stack.app_role() as conn:
        conn.execute("SELECT set_config(%s, %s, true)", (SETTING, _proof(stack, town)))
        conn.execute(sql, parameters).fetchall()  # warm the cache, as a page view after another would
        raw = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters).fetchone()[0]
        conn.rollback()
    document = raw if isinstance(raw, list) else json.loads(raw)
    nodes = _walk(document[0]["Plan"])
    indexes = sorted({n["Index Name"] for n in nodes if "Index Name" in n})
    sequential = any(n["Node Type"] == "Seq Scan" for n in nodes)
    return round(document[0]["Execution Time"], 2), indexes, sequential


def _set_policies(stack: Stack, condition: str) -> None:
    with stack.owner() as conn:
        for table in TABLES:
            conn.execute(f"ALTER POLICY tenant_isolation ON {table} USING {condition} WITH CHECK {condition}")
        conn.commit()


def measure(stack: Stack, town: int, heavy_case_id: int) -> list[Plan]:
    from amtsweg.tenancy.rls import POLICY_CONDITION

    parameters = {"town": town, "heavy": str(heavy_case_id)}
    plans = []
    try:
        for policy, condition in (("per row", PER_ROW_CONDITION), ("once per statement", POLICY_CONDITION)):
            _set_policies(stack, condition)
            for name, sql in QUERIES.items():
                milliseconds, indexes, sequential = _explain(stack, sql, parameters, town)
                plans.append(Plan(name, policy, milliseconds, indexes, sequential))
    finally:
        _set_policies(stack, POLICY_CONDITION)
    return plans
