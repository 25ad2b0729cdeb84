"""ORM models, one module per part of the domain (DESIGN §2).

Import this package to register every table on ``Base.metadata`` (Alembic does).
"""

from .accounts import ApiKey, AuditLog, LoginAttempt, RegistrantInvitation, RegistrantMember, User
from .base import Base
from .donations import Donation
from .entities import Entity, EntityIdentifier, EntityName
from .links import Link
from .lobbying import (
    Client,
    Lobbyist,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
    RegistrantVersion,
    Return,
)
from .ownership import Interest, Relationship
from .procurement import (
    Award,
    AwardSupplier,
    Contract,
    ContractAgreement,
    ContractParty,
    ContractPending,
)
from .records import Dataset, ImportError_, ImportRun, RecordVersion
from .search import EntityNameKey, SearchOutbox

__all__ = [
    "ApiKey",
    "AuditLog",
    "Award",
    "AwardSupplier",
    "Base",
    "Client",
    "Contract",
    "ContractAgreement",
    "ContractParty",
    "ContractPending",
    "Dataset",
    "Donation",
    "Entity",
    "EntityIdentifier",
    "EntityName",
    "EntityNameKey",
    "ImportError_",
    "ImportRun",
    "Interest",
    "Link",
    "Lobbyist",
    "LoginAttempt",
    "Meeting",
    "MeetingClient",
    "MeetingOfficial",
    "RecordVersion",
    "Registrant",
    "RegistrantInvitation",
    "RegistrantMember",
    "RegistrantVersion",
    "Relationship",
    "Return",
    "SearchOutbox",
    "User",
]
