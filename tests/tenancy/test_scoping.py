"""The ORM guard: tenant-owned queries are always filtered by the current town, or refused."""

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.extensions import db
from amtsweg.tenancy import TenantContextMissing, all_tenants_context, tenant_context
from conftest import tenant_info
from sqlalchemy import func, select


@pytest.fixture
def two_towns(app):
    usingen, schmitten = tenant_info(app, "usingen"), tenant_info(app, "schmitten")
    with app.app_context():
        with tenant_context(usingen):
            record("clerk-u", "viewed", "case", 1)
            db.session.commit()
        with tenant_context(schmitten):
            record("clerk-s", "viewed", "case", 1)
            record("clerk-s", "viewed", "case", 2)
            db.session.commit()
    return usingen, schmitten


def test_a_query_sees_only_the_current_towns_rows(app, two_towns):
    usingen, schmitten = two_towns
    with app.app_context():
        with tenant_context(usingen):
            assert [e.actor for e in db.session.scalars(select(AuditEvent))] == ["clerk-u"]
            assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
        with tenant_context(schmitten):
            assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2


def test_get_by_primary_key_of_another_towns_row_finds_nothing(app, two_towns):
    usingen, schmitten = two_towns
    with app.app_context():
        with tenant_context(schmitten):
            schmitten_id = db.session.scalars(select(AuditEvent.id)).first()
        db.session.expunge_all()
        with tenant_context(usingen):
            assert db.session.scalars(select(AuditEvent).filter_by(id=schmitten_id)).first() is None


@pytest.mark.parametrize(
    "statement",
    [
        select(AuditEvent),
        select(AuditEvent.actor),
        select(func.count()).select_from(AuditEvent),
        select(func.count()).select_from(select(AuditEvent.id).subquery()),
    ],
    ids=["entity", "column", "select_from", "subquery"],
)
def test_a_query_without_a_tenant_context_raises(app, two_towns, statement):
    with app.app_context(), pytest.raises(TenantContextMissing):
        db.session.execute(statement).all()


def test_writing_without_a_tenant_context_raises(app):
    with app.app_context():
        db.session.add(AuditEvent(actor="x", action="y", object_type="z", object_id="1"))
        with pytest.raises(TenantContextMissing):
            db.session.flush()


def test_writing_a_row_of_another_town_raises(app, two_towns):
    usingen, schmitten = two_towns
    with app.app_context(), tenant_context(usingen):
        db.session.add(AuditEvent(actor="x", action="y", object_type="z", object_id="1", tenant_id=schmitten.id))
        with pytest.raises(TenantContextMissing, match="another tenant"):
            db.session.flush()


def test_bulk_updates_and_deletes_are_scoped_too(app, two_towns):
    usingen, schmitten = two_towns
    from sqlalchemy import delete

    with app.app_context():
        with tenant_context(usingen):
            db.session.execute(delete(AuditEvent))
            db.session.commit()
        with tenant_context(schmitten):
            assert db.session.scalar(select(func.count(AuditEvent.id))) == 2


def test_cross_town_work_sees_every_town_only_when_asked(app, two_towns):
    with app.app_context(), all_tenants_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 3
