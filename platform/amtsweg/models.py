"""Imports every model so that the metadata (and Alembic's autogenerate) knows all tables."""

from amtsweg.archive.models import Aussonderung, AussonderungObject, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import PlatformUser, User
from amtsweg.cases.models import Case, CaseMessage, CaseNote, Draft, ReferenceCounter
from amtsweg.cases.search import CaseSearchTerm
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
from amtsweg.tenancy.models import Tenant, TenantAlias

__all__ = [
    "Akte",
    "AuditEvent",
    "Aussonderung",
    "AussonderungObject",
    "CalendarFeed",
    "Case",
    "CaseMessage",
    "CaseNote",
    "CaseSearchTerm",
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
    "TenantAlias",
    "User",
    "Vorgang",
]
