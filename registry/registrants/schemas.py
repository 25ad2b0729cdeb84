"""The content of a register entry, and the public shapes around it.

An entry holds what the EU Transparency Register, the Bundestag Lobbyregister and the US LDA
ask for: category, legal form, head office, website, identifiers, description, subject
matters, legislative files followed, lobbyists (with any former public office), clients with
income bands, annual costs in a band, funding sources, memberships. Drafts may be incomplete:
every field is optional here; ``validate.py`` says what submission requires.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from registry.entities.schemas import EntityOut

# Every field and list of an entry is bounded (a version is stored whole, diffed, published
# and exported): a too long value is a 4xx naming its field.
Code_ = Annotated[str, msgspec.Meta(max_length=100)]
Line = Annotated[str, msgspec.Meta(max_length=300)]
Url = Annotated[str, msgspec.Meta(max_length=2_000)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]


class Address(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    address: Line | None = None
    city: Line | None = None
    post_code: Code_ | None = None
    country: Code_ | None = None  # ISO 3166-1 alpha-2


class Identifier(msgspec.Struct, forbid_unknown_fields=True):
    scheme: Code_  # org-id.guide code, e.g. GB-COH, ES-RMC
    id: Line


class LobbyistIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Line | None = None
    role: Line | None = None
    former_public_office: Line | None = None
    former_office_end: dt.date | None = None


class ClientIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Line | None = None
    income_band: Code_ | None = None
    identifiers: Annotated[list[Identifier], msgspec.Meta(max_length=20)] = []


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    """A register entry as the registrant writes it (one version)."""

    name: Line | None = None
    category: Code_ | None = None
    legal_form: Line | None = None
    head_office: Address | None = None
    website: Url | None = None
    identifiers: Annotated[list[Identifier], msgspec.Meta(max_length=20)] = []
    description: Text | None = None
    subject_matters: Annotated[list[Code_], msgspec.Meta(max_length=50)] = []
    legislative_files: Annotated[list[Line], msgspec.Meta(max_length=200)] = []
    lobbyists: Annotated[list[LobbyistIn], msgspec.Meta(max_length=500)] = []
    clients: Annotated[list[ClientIn], msgspec.Meta(max_length=1_000)] = []
    annual_costs_band: Code_ | None = None
    funding_sources: Annotated[list[Line], msgspec.Meta(max_length=50)] = []
    memberships: Annotated[list[Line], msgspec.Meta(max_length=200)] = []


class FieldIssue(msgspec.Struct):
    field: str
    message: str


class DraftOut(msgspec.Struct):
    """The working copy, for its members and the registrar."""

    id: int
    status: str
    version: int
    version_status: str
    etag: str
    entry: Entry
    registration_number: str | None = None
    published_version: int | None = None
    reason: str | None = None  # of a rejection
    status_reason: str | None = None
    missing: list[FieldIssue] = []  # what submission still needs


class Code(msgspec.Struct):
    code: str
    label: str


class LobbyistOut(msgspec.Struct):
    name: str
    role: str | None
    former_public_office: str | None
    former_office_end: dt.date | None
    revolving_door: bool  # office ended within the cooling-off period
    entity: EntityOut | None = None


class ClientOut(msgspec.Struct):
    name: str
    income_band: str | None
    entity: EntityOut | None = None


class ReturnsStatus(msgspec.Struct):
    overdue: bool
    overdue_periods: list[dt.date] = []
    next_due: dt.date | None = None


class RegistrantOut(msgspec.Struct):
    """The published view: the latest approved version."""

    id: int
    registration_number: str | None
    status: str
    name: str
    category: Code
    version: int
    published_at: dt.datetime | None
    registered_at: dt.datetime | None
    entity: EntityOut | None
    legal_form: str | None
    head_office: Address | None
    website: str | None
    identifiers: list[Identifier]
    description: str | None
    subject_matters: list[Code]
    legislative_files: list[str]
    lobbyists: list[LobbyistOut]
    clients: list[ClientOut]
    annual_costs_band: str | None
    funding_sources: list[str]
    memberships: list[str]
    revolving_door: bool
    returns: ReturnsStatus
    status_reason: str | None = None


class VersionOut(msgspec.Struct):
    version: int
    status: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    reason: str | None = None


class VersionDetail(msgspec.Struct):
    version: int
    status: str
    created_at: dt.datetime
    entry: Entry
    submitted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None


class Change(msgspec.Struct):
    path: str
    op: str  # added | removed | changed
    old: Any = None
    new: Any = None


class DiffOut(msgspec.Struct):
    from_version: int
    to_version: int
    changes: list[Change]


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text | None = None


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class MemberOut(msgspec.Struct):
    user_id: int
    email: str


class InvitationOut(msgspec.Struct):
    registrant_id: int
    email: str
    status: str = "invited"


class PendingOut(msgspec.Struct):
    """An entry waiting for the registrar's decision."""

    id: int
    name: str
    status: str
    version: int
    submitted_at: dt.datetime | None
    registration_number: str | None = None
