"""Imports every model so that the metadata (and Alembic's autogenerate) knows all tables."""

from amtsweg.archive.models import Aussonderung, AussonderungObject, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import PlatformUser, User
from amtsweg.cases.models import Case, CaseMessage, Draft, ReferenceCounter
from amtsweg.contracts.models import (
    CalendarFeed,
    Contract,
    ContractChange,
    ContractDocument,
    ContractImport,
    ContractNumberCounter,
    ContractReminder,
)
from amtsweg.documents.models import Akte, Document, DocumentVersion, IntegrityFinding, LegalHold, Vorgang
from amtsweg.notifications.models import OutboxMessage
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.tenancy.models import Tenant
from amtsweg.workbench.models import CaseNote

__all__ = [
    "Akte",
    "AuditEvent",
    "Aussonderung",
    "AussonderungObject",
    "CalendarFeed",
    "Case",
    "CaseMessage",
    "CaseNote",
    "Contract",
    "ContractChange",
    "ContractDocument",
    "ContractImport",
    "ContractNumberCounter",
    "ContractReminder",
    "DisposalRecord",
    "Document",
    "DocumentVersion",
    "Draft",
    "IntegrityFinding",
    "LegalHold",
    "OutboxMessage",
    "PlatformUser",
    "Process",
    "ProcessEnablement",
    "ProcessVersion",
    "ReferenceCounter",
    "Tenant",
    "User",
    "Vorgang",
]
