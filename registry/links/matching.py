"""``POST /api/v1/match``: score a described party against the registry, in the shape of
OpenSanctions yente's ``/match`` (queries of FollowTheMoney-style examples in, scored results
with features and explanations out), so that tools which speak yente can use the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.backend import CandidateQuery
from search.identifiers import canonical_scheme, normalize_identifier
from search.linking import CandidateSource, load_parties, query_names
from search.matching.features import Party, compare, loose_identifier
from search.matching.model import MatchResult, decide

# FollowTheMoney schema -> our kind (None: any kind).
SCHEMA_KINDS: dict[str, str | None] = {
    "Company": "company", "Organization": "company", "LegalEntity": None,
    "Person": "person", "PublicBody": "public_body",
}
KIND_SCHEMAS = {"company": "Company", "person": "Person", "public_body": "PublicBody"}
# Identifier properties whose scheme is known; the rest are compared scheme-less.
SCHEMED_PROPERTIES = {"leiCode": "XI-LEI", "innCode": "RU-INN", "ogrnCode": "RU-OGRN"}
LOOSE_PROPERTIES = ("registrationNumber", "idNumber", "taxNumber", "vatCode")
# One query's budget: every value is compared with up to 50 candidates, each with its names.
MAX_PROPERTIES = 30
MAX_VALUES = 10  # per property (names, addresses, identifiers...)
MAX_VALUE_LENGTH = 500


class QueryError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _values(properties: Mapping[str, Any], name: str) -> list[str]:
    raw = properties.get(name, [])
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in items if isinstance(v, str | int) and str(v).strip()]


def _check_size(key: str, properties: Mapping[str, Any]) -> None:
    if len(properties) > MAX_PROPERTIES:
        raise QueryError(f"queries.{key}.properties",
                         f"at most {MAX_PROPERTIES} properties in one query")
    for name, raw in properties.items():
        items = raw if isinstance(raw, list) else [raw]
        if len(items) > MAX_VALUES:
            raise QueryError(f"queries.{key}.properties.{name}",
                             f"at most {MAX_VALUES} values of one property")
        if any(isinstance(v, str) and len(v) > MAX_VALUE_LENGTH for v in items):
            raise QueryError(f"queries.{key}.properties.{name}",
                             f"a value is at most {MAX_VALUE_LENGTH} characters")


def party_from_example(key: str, schema: str, properties: Mapping[str, Any]) -> Party:
    if schema not in SCHEMA_KINDS:
        raise QueryError(f"queries.{key}.schema",
                         f"schema must be one of {', '.join(SCHEMA_KINDS)}")
    _check_size(key, properties)
    names = _values(properties, "name") + _values(properties, "alias")
    if not names:
        raise QueryError(f"queries.{key}.properties.name", "at least one name is required")
    countries = [c.upper() for c in (_values(properties, "country")
                                     + _values(properties, "jurisdiction")
                                     + _values(properties, "nationality"))]
    identifiers: list[tuple[str, str]] = []
    loose: list[str] = []
    for prop, scheme in SCHEMED_PROPERTIES.items():
        identifiers += [(scheme, normalize_identifier(scheme, v))
                        for v in _values(properties, prop)]
    for prop in LOOSE_PROPERTIES:
        for value in _values(properties, prop):
            # "GB-COH:01234567" or "GB-COH-01234567": the scheme is given after all.
            scheme, sep, rest = value.partition(":")
            if sep and rest:
                code = canonical_scheme(scheme)
                identifiers.append((code, normalize_identifier(code, rest)))
            else:
                loose.append(loose_identifier(value))
    kind = SCHEMA_KINDS[schema] or "company"
    dates = _values(properties, "birthDate") or _values(properties, "incorporationDate")
    return Party(kind=kind, names=tuple(names), country=countries[0] if countries else None,
                 identifiers=tuple(identifiers), loose_identifiers=tuple(loose),
                 addresses=tuple(_values(properties, "address")),
                 birth_date=dates[0] if dates and kind == "person" else None)


@dataclass(slots=True)
class Scored:
    entity_id: int
    result: MatchResult


_BY_IDENTIFIER = text("""
SELECT DISTINCT i.entity_id FROM entity_identifiers i
JOIN entities e ON e.id = i.entity_id
WHERE i.normalized = ANY(:values) AND (CAST(:kind AS text) IS NULL OR e.kind = :kind)
LIMIT 50
""")


async def match_party(session: AsyncSession, source: CandidateSource, party: Party,
                      any_kind: bool, *, limit: int, candidates: int = 20) -> list[Scored]:
    kind = None if any_kind else party.kind
    found: set[int] = set()
    for name in query_names(party):
        hits = await source.candidates(CandidateQuery(name=name, kind=kind,
                                                      country=party.country, limit=candidates))
        found.update(h.entity_id for h in hits)
    values = [v for _, v in party.identifiers] + list(party.loose_identifiers)
    if values:
        # Loose values lost their leading zeros; stored values keep the scheme's own form.
        padded = values + [v.zfill(n) for v in party.loose_identifiers for n in (8, 9, 10)
                           if v.isdigit()]
        rows = await session.execute(_BY_IDENTIFIER, {"values": padded, "kind": kind})
        found.update(int(r[0]) for r in rows)
    targets = await load_parties(session, found)
    # Scoring is CPU work: off the event loop, so other requests are served meanwhile.
    return await anyio.to_thread.run_sync(_score, party, any_kind, targets, limit)


def _score(party: Party, any_kind: bool, targets: Mapping[int, Any], limit: int) -> list[Scored]:
    scored: list[Scored] = []
    for entity_id, target in targets.items():
        probe = party if not any_kind else _with_kind(party, target.party.kind)
        result = decide(compare(probe, target.party), probe.kind, target.party.kind)
        scored.append(Scored(entity_id, result))
    scored.sort(key=lambda s: (-s.result.score, s.entity_id))
    return scored[:limit]


def _with_kind(party: Party, kind: str) -> Party:
    return Party(kind=kind, names=party.names, country=party.country,
                 identifiers=party.identifiers, loose_identifiers=party.loose_identifiers,
                 addresses=party.addresses, legal_form=party.legal_form,
                 birth_date=party.birth_date)


def feature_docs() -> dict[str, dict[str, Any]]:
    """yente's ``matcher`` block: each feature with its description and coefficient."""
    from search.matching import features as f
    from search.matching.weights import WEIGHTS

    docs = {}
    for name in f.FEATURES:
        docs[name] = {"description": FEATURE_DESCRIPTIONS.get(name, name),
                      "coefficient": WEIGHTS[name], "url": None}
    return docs


FEATURE_DESCRIPTIONS = {
    "name_ratio": "Character similarity of the best-matching pair of prepared names",
    "name_token_sort": "Name similarity with word order ignored",
    "name_token_set": "Name similarity when one name's words are contained in the other's",
    "name_jaro_winkler": "Jaro-Winkler similarity of the names (typos near the end matter less)",
    "name_exact": "The prepared names are equal",
    "token_unmatched": "Share of name words without a close counterpart on the other side",
    "number_mismatch": "The names carry different numbers",
    "single_token": "One of the names is a single word",
    "legal_form_agree": "Both names carry the same legal form",
    "legal_form_conflict": "The names carry different legal forms",
    "country_agree": "Same country",
    "country_conflict": "Different countries",
    "address": "Address similarity (-1..1), 0 when unknown",
    "identifier_conflict": "Different identifiers in one scheme",
    "birth_date_agree": "Dates of birth agree (at the published precision)",
    "birth_date_conflict": "Dates of birth differ",
}


def example_properties(party: Party) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {"name": list(party.names[:1])}
    if party.names[1:]:
        props["alias"] = list(party.names[1:])
    if party.country:
        props["country"] = [party.country.lower()]
    if party.identifiers or party.loose_identifiers:
        props["registrationNumber"] = ([f"{s}:{v}" for s, v in party.identifiers]
                                       + list(party.loose_identifiers))
    if party.addresses:
        props["address"] = list(party.addresses)
    if party.birth_date:
        props["birthDate"] = [party.birth_date]
    return props


def identifiers_property(identifiers: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{s}:{v}" for s, v in identifiers]
