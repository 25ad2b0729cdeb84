"""Public shapes of entities. ORM rows never leave the service layer; these do."""

from __future__ import annotations

from typing import Any

import msgspec

from registry.models import Entity, EntityName
from registry.privacy import public_addresses, public_birth_date


class NameOut(msgspec.Struct, omit_defaults=True):
    name: str
    type: str  # legal, alternative, former, ...
    valid_from: str | None = None  # the days the name was in force, when the source says
    valid_to: str | None = None


class IdentifierOut(msgspec.Struct):
    scheme: str
    id: str
    uri: str | None = None


class EntityOut(msgspec.Struct, omit_defaults=True):
    id: int
    kind: str
    name: str
    dataset: str
    keys: list[str]
    country: str | None = None
    jurisdiction: str | None = None
    legal_form: str | None = None
    names: list[NameOut] = []
    identifiers: list[IdentifierOut] = []
    addresses: list[dict[str, Any]] = []
    founding_date: str | None = None
    dissolution_date: str | None = None
    status: str | None = None  # as the register writes it: Active, Dissolved, Liquidation...
    birth_date: str | None = None
    nationalities: list[str] = []
    is_closed: bool = False
    updated_at: str | None = None
    # A placeholder's name from a record it is joined to by identifier (a PSC company named
    # only by its number: the company register's name of it); its own name stays.
    known_as: str | None = None


def name_out(n: EntityName) -> NameOut:
    return NameOut(name=n.name, type=n.type,
                   valid_from=n.valid_from.isoformat() if n.valid_from else None,
                   valid_to=n.valid_to.isoformat() if n.valid_to else None)


def known_as(data: Any) -> str | None:
    if not isinstance(data, dict) or not data.get("placeholder"):
        return None
    name = data.get("known_as")
    return name if isinstance(name, str) and name else None


def status_of(data: Any) -> str | None:
    status = data.get("status") if isinstance(data, dict) else None
    return status if isinstance(status, str) and status else None


def entity_out(entity: Entity) -> EntityOut:
    """The public view of an entity (:mod:`registry.privacy`). ``restricted`` is
    deliberately never read here."""
    return EntityOut(
        id=entity.id,
        kind=entity.kind,
        name=entity.name,
        dataset=entity.dataset,
        keys=[entity.source_key],
        country=entity.country,
        jurisdiction=entity.jurisdiction,
        legal_form=entity.legal_form,
        names=[name_out(n) for n in entity.names],
        identifiers=[IdentifierOut(scheme=i.scheme, id=i.value, uri=i.uri)
                     for i in entity.identifiers],
        addresses=public_addresses(entity.addresses),
        founding_date=entity.founding_date,
        dissolution_date=entity.dissolution_date,
        status=status_of(entity.data),
        birth_date=public_birth_date(entity.birth_date),
        nationalities=[str(n) for n in entity.nationalities],
        is_closed=entity.is_closed,
        updated_at=entity.updated_at.isoformat() if entity.updated_at else None,
        known_as=known_as(entity.data),
    )
