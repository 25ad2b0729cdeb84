"""Public shapes of entities. ORM rows never leave the service layer; these do."""

from __future__ import annotations

from typing import Any

import msgspec

from registry.models import Entity
from registry.privacy import public_addresses, public_birth_date


class NameOut(msgspec.Struct):
    name: str
    type: str


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
    birth_date: str | None = None
    nationalities: list[str] = []
    is_closed: bool = False
    updated_at: str | None = None


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
        names=[NameOut(name=n.name, type=n.type) for n in entity.names],
        identifiers=[IdentifierOut(scheme=i.scheme, id=i.value, uri=i.uri)
                     for i in entity.identifiers],
        addresses=public_addresses(entity.addresses),
        founding_date=entity.founding_date,
        dissolution_date=entity.dissolution_date,
        birth_date=public_birth_date(entity.birth_date),
        nationalities=[str(n) for n in entity.nationalities],
        is_closed=entity.is_closed,
        updated_at=entity.updated_at.isoformat() if entity.updated_at else None,
    )
