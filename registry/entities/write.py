"""Building entity rows with their names and identifiers, normalised in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.models import Entity, EntityIdentifier, EntityName
from search.identifiers import normalize_identifier
from search.normalize import normalize_name


def make_name(name: str, type_: str = "legal", lang: str | None = None) -> EntityName:
    return EntityName(name=name, type=type_, lang=lang, normalized=normalize_name(name))


def make_identifier(scheme: str, value: str, *, scheme_name: str | None = None,
                    uri: str | None = None) -> EntityIdentifier:
    return EntityIdentifier(scheme=scheme, value=value, scheme_name=scheme_name, uri=uri,
                            normalized=normalize_identifier(scheme, value))


def set_names(entity: Entity, primary: str, others: Iterable[tuple[str, str]] = ()) -> None:
    """Replace the entity's names: the primary as ``legal``, then (name, type) pairs."""
    seen: set[tuple[str, str]] = set()
    names: list[EntityName] = []
    for name, type_ in [(primary, "legal"), *others]:
        if name and (name, type_) not in seen:
            seen.add((name, type_))
            names.append(make_name(name, type_))
    entity.names = names


def set_identifiers(entity: Entity, identifiers: Iterable[dict[str, Any]]) -> None:
    entity.identifiers = [
        make_identifier(str(i["scheme"]), str(i["id"]), scheme_name=i.get("scheme_name"),
                        uri=i.get("uri"))
        for i in identifiers if i.get("scheme") and i.get("id")
    ]
