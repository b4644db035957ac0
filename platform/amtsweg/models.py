"""Imports every model so that the metadata (and Alembic's autogenerate) knows all tables."""

from amtsweg.archive.models import Aussonderung, AussonderungObject, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import ApiToken, PlatformUser, User
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
from amtsweg.documents.models import Akte, Document, DocumentVersion, IntegrityFinding, LegalHold, Vorgang
from amtsweg.notifications.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from amtsweg.payments.models import Payment, PaymentEvent
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.reports.models import ApplicationStart, CaseFact, ReportOutlook, ServiceOffer
from amtsweg.tenancy.models import Tenant, TenantAlias

__all__ = [
    "Akte",
    "ApiToken",
    "ApplicationStart",
    "AuditEvent",
    "Aussonderung",
    "AussonderungObject",
    "CalendarFeed",
    "Case",
    "CaseFact",
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
    "DisposalRecord",
    "Document",
    "DocumentVersion",
    "Draft",
    "IntegrityFinding",
    "LegalHold",
    "OutboxMessage",
    "Payment",
    "PaymentEvent",
    "PlatformUser",
    "Process",
    "ProcessEnablement",
    "ProcessVersion",
    "ReferenceCounter",
    "ReportOutlook",
    "SeenAssertion",
    "ServiceOffer",
    "Tenant",
    "TenantAlias",
    "User",
    "Vorgang",
    "WebhookDelivery",
    "WebhookSubscription",
]
