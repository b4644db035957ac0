"""Imports every model so that the metadata (and Alembic's autogenerate) knows all tables."""

from amtsweg.archive.models import ArchiveHandoff
from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.saml.models import CitizenLogin, SeenAssertion
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
from amtsweg.documents.models import Document
from amtsweg.notifications.models import OutboxMessage
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.tenancy.models import Tenant, TenantAlias

__all__ = [
    "ArchiveHandoff",
    "AuditEvent",
    "CalendarFeed",
    "Case",
    "CaseMessage",
    "CaseNote",
    "CaseSearchTerm",
    "CitizenLogin",
    "Contract",
    "ContractChange",
    "ContractDocument",
    "ContractImport",
    "ContractNumberCounter",
    "ContractReminder",
    "Document",
    "Draft",
    "OutboxMessage",
    "PlatformUser",
    "Process",
    "ProcessEnablement",
    "ProcessVersion",
    "ReferenceCounter",
    "SeenAssertion",
    "Tenant",
    "TenantAlias",
    "User",
]
