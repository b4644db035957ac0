"""Row-level security on a real PostgreSQL for the contract tables: raw SQL of one town sees and
writes only its own contracts, reminders and calendar feeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from amtsweg.contracts.models import TABLES, Contract
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import postgres_app, tenant_info
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres_server, tmp_path: Path):
    """Towns only (no process library), with one contract in Usingen and one in Schmitten."""
    with postgres_app(postgres_server, tmp_path, library=False) as app:
        with app.app_context():
            for slug, number in (("usingen", "V-2026-0001"), ("schmitten", "V-2026-0002")):
                with tenant_context(tenant_info(app, slug)):
                    db.session.add(
                        Contract(
                            number=number,
                            title=slug,
                            contract_type="sonstiges",
                            partner_name="P",
                            starts_on=date(2026, 1, 1),
                            tags=[],
                        )
                    )
                    db.session.commit()
        yield app


def test_every_contract_table_has_forced_row_level_security(pg_app):
    with pg_app.app_context():
        rows = db.session.execute(
            text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(TABLES)},
        ).all()
    assert sorted(rows) == sorted((table, True, True) for table in TABLES)


def test_raw_sql_of_one_town_reads_and_writes_only_its_own_contracts(pg_app):
    usingen, schmitten = tenant_info(pg_app, "usingen"), tenant_info(pg_app, "schmitten")
    with pg_app.app_context(), tenant_context(usingen):
        assert db.session.execute(text("SELECT title FROM contract")).scalars().all() == ["usingen"]
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO contract_reminder (tenant_id, contract_id, notice_by, lead_days, recipients, "
                    "created_at) SELECT :tenant, id, '2026-09-30', 30, '[]', now() FROM contract"
                ),
                {"tenant": schmitten.id},
            )
        db.session.rollback()
