"""Imports every model so that the metadata (and Alembic's autogenerate) knows all tables."""

from amtsweg.audit.models import AuditEvent
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.tenancy.models import Tenant

__all__ = ["AuditEvent", "Process", "ProcessEnablement", "ProcessVersion", "Tenant"]
