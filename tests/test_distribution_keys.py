"""What the schema must keep to grow past one database server (docs/scaling.md): in a distributed
PostgreSQL (Citus) with ``tenant_id`` as the distribution column, every town's rows live together,
so on each tenant-owned table every primary key and unique constraint includes ``tenant_id``, and
every foreign key to another tenant-owned table includes it too (foreign keys to the shared,
global tables such as ``tenant`` or ``process_version`` are fine: those become reference tables).

Checked on the schema the migrations build on PostgreSQL. The tables that still break the rule are
listed below with what breaks it; the list may only shrink: a new table must follow the rule, and a
table that is fixed must leave the list.
"""

from __future__ import annotations

import pytest
from conftest import postgres_app
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgres

# Table → the keys that do not include tenant_id ("primary key (id)", "unique (storage_key)",
# "foreign key (case_id) → case_file"). Migrating them means composite keys (tenant_id, id) and
# foreign keys (tenant_id, x_id), as case_search_term → case_file shows.
KNOWN_VIOLATIONS: dict[str, set[str]] = {
    "application_draft": {"primary key (id)"},
    "audit_event": {"primary key (id)"},
    "case_access_token": {"foreign key (case_id) → case_file", "primary key (id)"},
    "case_file": {
        "foreign key (assignee_id) → user_account",
        "foreign key (citizen_account_id) → citizen_account",
        "primary key (id)",
    },
    "case_message": {"foreign key (case_id) → case_file", "primary key (id)"},
    "case_note": {"foreign key (author_id) → user_account", "foreign key (case_id) → case_file", "primary key (id)"},
    # Added by the SAML login and the payments module in the same round as this list: open work.
    "citizen_login": {"foreign key (account_id) → citizen_account", "primary key (id)"},
    "citizen_account": {"primary key (id)"},
    "contract": {
        "foreign key (deputy_id) → user_account",
        "foreign key (responsible_id) → user_account",
        "primary key (id)",
    },
    "contract_calendar_feed": {"foreign key (user_id) → user_account", "primary key (id)"},
    "contract_change": {"foreign key (contract_id) → contract", "primary key (id)"},
    "contract_document": {
        "foreign key (contract_id) → contract",
        "foreign key (document_id) → document",
        "primary key (id)",
    },
    "contract_import": {"foreign key (created_by_id) → user_account", "primary key (id)"},
    "contract_number_counter": {"primary key (id)"},
    "contract_reminder": {"foreign key (contract_id) → contract", "primary key (id)"},
    "document": {
        "foreign key (case_id) → case_file",
        "foreign key (draft_id) → application_draft",
        "foreign key (locked_by_id) → user_account",
        "primary key (id)",
        "unique (storage_key)",
    },
    "outbox_message": {"primary key (id)"},
    "payment": {"foreign key (case_id) → case_file", "primary key (id)"},
    "payment_event": {"foreign key (payment_id) → payment", "primary key (id)"},
    "process_enablement": {"primary key (id)"},
    "reference_counter": {"primary key (id)"},
    "user_account": {"primary key (id)"},
    # The eAkte (migration 0013) was designed before these rules; its unique keys already include
    # tenant_id, its surrogate primary keys and the keys between its tables do not yet.
    "akte": {"primary key (id)"},
    "aussonderung": {"primary key (id)"},
    "aussonderung_object": {
        "foreign key (aussonderung_id) → aussonderung",
        "foreign key (vorgang_id) → vorgang",
        "primary key (id)",
    },
    "disposal_record": {"foreign key (aussonderung_id) → aussonderung", "primary key (id)"},
    "document_version": {"foreign key (document_id) → document", "primary key (id)"},
    "integrity_finding": {"foreign key (version_id) → document_version", "primary key (id)"},
    "legal_hold": {"foreign key (vorgang_id) → vorgang", "primary key (id)"},
    "vorgang": {"foreign key (akte_id) → akte", "foreign key (case_id) → case_file", "primary key (id)"},
}

TENANT_OWNED = text(
    "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'"
)
CONSTRAINTS = text("""
SELECT c.conrelid::regclass::text AS table_name, c.contype,
       array(SELECT a.attname::text FROM unnest(c.conkey) AS k(n)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY a.attname) AS columns,
       c.confrelid::regclass::text AS referenced
FROM pg_constraint c
WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f')
""")
UNIQUE_INDEXES = text("""
SELECT i.indrelid::regclass::text, array(SELECT a.attname::text FROM unnest(i.indkey) AS k(n)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY a.attname)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  AND c.relnamespace = current_schema()::regnamespace
""")
KINDS = {"p": "primary key", "u": "unique", "f": "foreign key"}


def schema_violations(connection) -> dict[str, set[str]]:
    owned = set(connection.execute(TENANT_OWNED).scalars())
    found: dict[str, set[str]] = {}
    for table, kind, columns, referenced in connection.execute(CONSTRAINTS):
        if table not in owned or "tenant_id" in columns:
            continue
        if kind == "f" and referenced not in owned:
            continue
        what = f"{KINDS[kind]} ({', '.join(columns)})" + (f" → {referenced}" if kind == "f" else "")
        found.setdefault(table, set()).add(what)
    for table, columns in connection.execute(UNIQUE_INDEXES):
        if table in owned and "tenant_id" not in columns:
            found.setdefault(table, set()).add(f"unique index ({', '.join(columns)})")
    return found


@pytest.fixture(scope="module")
def migrated(postgres_server, tmp_path_factory):
    with postgres_app(postgres_server, tmp_path_factory.mktemp("keys"), library=False) as app:
        yield app


def test_tenant_owned_tables_keep_tenant_id_in_their_keys_except_the_listed_ones(migrated):
    from amtsweg.extensions import db

    with migrated.app_context():
        violations = schema_violations(db.session.connection())
    assert violations == KNOWN_VIOLATIONS


def test_the_check_reports_a_new_table_whose_keys_leave_out_tenant_id(migrated):
    owner = create_engine(migrated.config["MIGRATION_DATABASE_URL"])
    with owner.connect() as connection:
        connection.execute(text(
            "CREATE TABLE probe (id integer PRIMARY KEY, tenant_id integer NOT NULL, code text UNIQUE,"
            " case_id integer REFERENCES case_file (id), process_version_id integer REFERENCES process_version (id))"
        ))
        connection.execute(text("CREATE POLICY tenant_isolation ON probe USING (true)"))
        found = schema_violations(connection)
        connection.rollback()
    owner.dispose()
    assert found["probe"] == {"primary key (id)", "unique (code)", "foreign key (case_id) → case_file"}
