"""BODS 0.4 export: every entity, person and relationship version as statements.

Streams with constant memory (server-side cursors), entities and persons first, then
relationships (components before the relationships that list them; versions of one record
in date order: ``new``, ``updated``..., ``closed``), so that a reader meets every record
before a relationship refers to it.

- ``recordId`` is the record's source key when one dataset is exported (so importing the
  export gives the same records), ``{dataset}/{source key}`` when several are, since keys
  are unique only within a dataset.
- ``statementId`` is derived from (dataset, record type, key, source version): the same
  version always gets the same id, so repeated exports diff cleanly; it is not the source's
  id, since a republished statement is a new statement (our publication details, clipped
  birth dates).
- Records imported from BODS keep their published details: a 0.4 statement's are read from
  its version (``record_versions.content``, the importer stores them only there), an
  upgraded 0.2/0.3 one's from ``Entity.data["details"]``; other sources' records are
  described from the registry's columns.
- ``Entity.restricted`` is never read; a birth date is at most year and month; residential
  addresses and places of birth are never published (:mod:`registry.privacy`), even when a
  stored statement holds them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pycountry
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from registry.models import Dataset, Entity, RecordVersion, Relationship
from registry.privacy import public_addresses, public_birth_date, split_person_details

BODS_VERSION = "0.4"
PUBLISHER = {"name": "Transparency Registry"}
ENTITY_ADDRESS_TYPES = {"registered", "business", "alternative"}
# Residence and place of birth are never public (registry.privacy).
PERSON_ADDRESS_TYPES = {"registered", "service", "alternative", "business"}
NAME_TYPES = {"legal", "translation", "transliteration", "former", "alternative", "birth"}
NAME_TYPE_ALIASES = {"transliterated": "transliteration", "translated": "translation",
                     "individual": "legal"}
YIELD_PER = 1_000


class Exporter:
    """Builds statements for one export (one run: one publication date, one key scheme)."""

    def __init__(self, datasets: list[str], licences: dict[str, str | None]) -> None:
        self.datasets = datasets
        self.prefixed = len(datasets) != 1
        self.licences = licences
        self.published = dt.datetime.now(dt.UTC).date().isoformat()
        self.counts = {"entity": 0, "person": 0, "relationship": 0}

    def record_id(self, dataset: str, key: str) -> str:
        return f"{dataset}/{key}" if self.prefixed else key

    def _publication(self, dataset: str) -> dict[str, Any]:
        out: dict[str, Any] = {"publicationDate": self.published, "bodsVersion": BODS_VERSION,
                               "publisher": PUBLISHER}
        licence = self.licences.get(dataset)
        if licence and licence.startswith(("http://", "https://")):
            out["license"] = licence
        return out

    def _envelope(self, dataset: str, record_type: str, key: str, version: str,
                  date: dt.datetime | None, status: str, declaration_subject: str,
                  stored: dict[str, Any], retrieved: dt.datetime | None) -> dict[str, Any]:
        sid = hashlib.sha256(
            "\x1f".join((dataset, record_type, key, version)).encode()).hexdigest()[:32]
        statement: dict[str, Any] = {
            "statementId": sid,
            "statementDate": _date(date or dt.datetime.now(dt.UTC)),
            "publicationDetails": self._publication(dataset),
            "recordId": self.record_id(dataset, key),
            "recordType": record_type,
            "recordStatus": status,
            "declarationSubject": declaration_subject,
        }
        source = stored.get("source")
        if isinstance(source, dict) and source:
            statement["source"] = source
        else:
            statement["source"] = {"description": f"Transparency Registry dataset {dataset}"}
            if retrieved is not None:
                statement["source"]["retrievedAt"] = _date(retrieved)
        if stored.get("annotations"):
            statement["annotations"] = stored["annotations"]
        if stored.get("declaration"):
            statement["declaration"] = stored["declaration"]
        return statement

    def entity_statement(self, e: Entity, published: Any = None) -> dict[str, Any]:
        """``published``: the recordDetails of the statement ``e`` was imported from
        (:data:`PUBLISHED_DETAILS`), if it is stored."""
        record_type = "person" if e.kind == "person" else "entity"
        stored = e.data.get("statement") if isinstance(e.data.get("statement"), dict) else {}
        assert isinstance(stored, dict)
        subject = stored.get("declarationSubject")
        declaration_subject = (self.record_id(e.dataset, subject) if isinstance(subject, str)
                               else self.record_id(e.dataset, e.source_key))
        statement = self._envelope(
            e.dataset, record_type, e.source_key, e.statement_id or str(e.id), e.valid_from,
            "closed" if e.is_closed else "new", declaration_subject, stored, e.retrieved_at)
        details = e.data.get("details") or published
        if isinstance(details, dict) and details:
            details = dict(details)
            if record_type == "person":
                # Whatever was stored, publish no more than the public column holds.
                details = split_person_details(details)[0]
                if e.birth_date:
                    details["birthDate"] = public_birth_date(e.birth_date)
                else:
                    details.pop("birthDate", None)
        else:
            details = _person_details(e) if record_type == "person" else _entity_details(e)
        statement["recordDetails"] = details
        self.counts[record_type] += 1
        return statement

    def relationship_statement(self, r: Relationship, status: str, subject_key: str | None,
                               party_key: str | None) -> dict[str, Any]:
        stored = r.data.get("statement") if isinstance(r.data.get("statement"), dict) else {}
        assert isinstance(stored, dict)
        subject: Any = (self.record_id(r.dataset, subject_key) if subject_key
                        else r.subject_unspecified or {"reason": "unknown"})
        party: Any = (self.record_id(r.dataset, party_key) if party_key
                      else r.interested_unspecified or {"reason": "unknown"})
        declaration_subject = subject if isinstance(subject, str) else self.record_id(
            r.dataset, r.source_key)
        statement = self._envelope(r.dataset, "relationship", r.source_key,
                                   r.statement_id or str(r.id), r.valid_from, status,
                                   declaration_subject, stored, r.retrieved_at)
        details: dict[str, Any] = {"isComponent": r.is_component, "subject": subject,
                                   "interestedParty": party,
                                   "interests": [_interest(i) for i in r.interests]}
        if r.component_keys and not r.is_component:
            details["componentRecords"] = [self.record_id(r.dataset, str(k))
                                           for k in r.component_keys]
        statement["recordDetails"] = details
        self.counts["relationship"] += 1
        return statement


def _date(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    if value.time() == dt.time():
        return value.date().isoformat()
    return value.isoformat().replace("+00:00", "Z")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _interest(i: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if i.type:
        out["type"] = i.type
    if i.direct_or_indirect:
        out["directOrIndirect"] = i.direct_or_indirect
    if i.beneficial_ownership_or_control is not None:
        out["beneficialOwnershipOrControl"] = i.beneficial_ownership_or_control
    if i.details:
        out["details"] = i.details
    share: dict[str, Any] = {}
    if i.share_exact is not None:
        share["exact"] = _number(i.share_exact)
    if i.share_min is not None:
        share["exclusiveMinimum" if i.share_exclusive_min else "minimum"] = _number(i.share_min)
    if i.share_max is not None:
        share["exclusiveMaximum" if i.share_exclusive_max else "maximum"] = _number(i.share_max)
    if share:
        out["share"] = share
    if i.start_date:
        out["startDate"] = i.start_date.isoformat()
    if i.end_date:
        out["endDate"] = i.end_date.isoformat()
    return out


def country(code_or_name: Any) -> dict[str, str] | None:
    """A BODS Country (name required, code optional) from a code or a name."""
    if isinstance(code_or_name, dict):
        name = code_or_name.get("name") or code_or_name.get("code")
        code = code_or_name.get("code")
        out = {"name": str(name)} if name else None
        if out and isinstance(code, str) and len(code) == 2:
            out["code"] = code.upper()
        return out
    if not isinstance(code_or_name, str) or not code_or_name:
        return None
    if len(code_or_name) == 2:
        found = pycountry.countries.get(alpha_2=code_or_name.upper())
        return {"name": found.name if found else code_or_name, "code": code_or_name.upper()}
    return {"name": code_or_name}


def _addresses(values: Iterable[Any], allowed: set[str]) -> list[dict[str, Any]]:
    out = []
    for a in public_addresses(list(values)):
        item: dict[str, Any] = {}
        if a.get("type") in allowed:
            item["type"] = a["type"]
        if a.get("address"):
            item["address"] = str(a["address"])
        if a.get("postCode"):
            item["postCode"] = str(a["postCode"])
        c = country(a.get("country"))
        if c:
            item["country"] = c
        if item:
            out.append(item)
    return out


def _full_date(value: str | None) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if value and len(value) == 10 else None
    except ValueError:
        return None


def _identifiers(e: Entity) -> list[dict[str, Any]]:
    out = []
    for i in e.identifiers:
        item: dict[str, Any] = {"id": i.value, "scheme": i.scheme}
        if i.scheme_name:
            item["schemeName"] = i.scheme_name
        if i.uri:
            item["uri"] = i.uri
        out.append(item)
    return out


def _entity_details(e: Entity) -> dict[str, Any]:
    d: dict[str, Any] = {
        "isComponent": False,
        "entityType": {"type": "stateBody" if e.kind == "public_body" else "registeredEntity"},
        "name": e.name,
    }
    others = [n.name for n in e.names if n.type != "legal" or n.name != e.name]
    if others:
        d["alternateNames"] = others
    code = e.jurisdiction or e.country
    if code:
        c = country(code)
        if c:
            d["jurisdiction"] = c
    if e.identifiers:
        d["identifiers"] = _identifiers(e)
    for field, value in (("foundingDate", e.founding_date),
                         ("dissolutionDate", e.dissolution_date)):
        if _full_date(value):
            d[field] = _full_date(value)
    addresses = _addresses(e.addresses, ENTITY_ADDRESS_TYPES)
    if addresses:
        d["addresses"] = addresses
    return d


def _person_details(e: Entity) -> dict[str, Any]:
    names = [{"type": "legal", "fullName": e.name}]
    for n in e.names:
        if n.type == "legal" and n.name == e.name:
            continue
        kind = NAME_TYPE_ALIASES.get(n.type, n.type)
        names.append({"type": kind if kind in NAME_TYPES else "alternative", "fullName": n.name})
    d: dict[str, Any] = {"isComponent": False, "personType": "knownPerson", "names": names}
    if e.identifiers:
        d["identifiers"] = _identifiers(e)
    nationalities = [c for c in (country(n) for n in e.nationalities) if c]
    if nationalities:
        d["nationalities"] = nationalities
    if e.birth_date:
        d["birthDate"] = e.birth_date[:7]  # never more precise than year-month
    addresses = _addresses(e.addresses, PERSON_ADDRESS_TYPES)
    if addresses:
        d["addresses"] = addresses
    return d


async def export_datasets(session: AsyncSession, datasets: list[str] | None) -> Exporter:
    """The exporter for ``datasets`` (default: every dataset holding entities)."""
    if not datasets:
        datasets = list((await session.scalars(
            select(Entity.dataset).distinct().order_by(Entity.dataset))).all())
    licences = dict((await session.execute(
        select(Dataset.name, Dataset.licence).where(Dataset.name.in_(datasets)))).all())
    return Exporter(datasets, licences)


# The recordDetails of the version an entity was imported from (BODS 0.4 statements; other
# sources' versions hold no recordDetails). One probe of the versions' unique index.
PUBLISHED_DETAILS = (
    select(RecordVersion.content["recordDetails"])
    .where(RecordVersion.dataset == Entity.dataset,
           RecordVersion.record_type == case((Entity.kind == "person", "person"),
                                             else_="entity"),
           RecordVersion.version_key == Entity.statement_id)
    .limit(1).correlate(Entity).scalar_subquery())


async def iter_statements(session: AsyncSession, exporter: Exporter
                          ) -> AsyncIterator[dict[str, Any]]:
    """Every statement of the export, streamed."""
    entities = await session.stream(
        select(Entity, PUBLISHED_DETAILS).where(Entity.dataset.in_(exporter.datasets))
        .options(selectinload(Entity.names), selectinload(Entity.identifiers))
        .order_by(Entity.dataset, Entity.id).execution_options(yield_per=YIELD_PER))
    async for e, published in entities:
        yield exporter.entity_statement(e, published)
    subject = Entity.__table__.alias("subject")
    party = Entity.__table__.alias("party")
    rows = await session.stream(
        select(Relationship, subject.c.source_key, party.c.source_key)
        .outerjoin(subject, subject.c.id == Relationship.subject_id)
        .outerjoin(party, party.c.id == Relationship.interested_party_id)
        .where(Relationship.dataset.in_(exporter.datasets))
        .options(selectinload(Relationship.interests))
        .order_by(Relationship.is_component.desc(), Relationship.dataset,
                  Relationship.source_key, Relationship.valid_from.asc().nulls_first(),
                  Relationship.id)
        .execution_options(yield_per=YIELD_PER))
    previous: tuple[str, str] | None = None
    async for rel, subject_key, party_key in rows:
        record = (rel.dataset, rel.source_key)
        status = ("closed" if rel.is_closed else "new" if record != previous else "updated")
        previous = record
        yield exporter.relationship_statement(rel, status, subject_key or rel.subject_key,
                                              party_key or rel.interested_party_key)


async def stream_json_array(sessionmaker: async_sessionmaker[AsyncSession],
                            datasets: list[str] | None) -> AsyncIterator[bytes]:
    """The export as a JSON array, in chunks, on a session of its own (for HTTP)."""
    async with sessionmaker() as session:
        exporter = await export_datasets(session, datasets)
        yield b"["
        first = True
        buffer: list[bytes] = []
        async for statement in iter_statements(session, exporter):
            buffer.append((b"\n" if first else b",\n")
                          + json.dumps(statement, ensure_ascii=False).encode())
            first = False
            if len(buffer) >= 500:
                yield b"".join(buffer)
                buffer = []
        buffer.append(b"\n]\n")
        yield b"".join(buffer)


def _open(out: Path) -> AbstractContextManager[IO[str]]:
    if out.suffix == ".gz":
        return gzip.open(out, "wt", encoding="utf-8")
    return out.open("w", encoding="utf-8")


async def export_bods(database_url: str, out: Path, datasets: list[str] | None = None
                      ) -> dict[str, int]:
    """Write the export to ``out`` (a JSON array; JSON Lines if the name ends in .jsonl or
    .jsonl.gz; gzip if it ends in .gz) and its manifest. Returns the counts."""
    from registry.db.engine import sessions
    from registry.exports.manifest import write_manifest

    lines = out.name.endswith((".jsonl", ".jsonl.gz"))
    async with sessions(database_url) as sessionmaker, sessionmaker() as session:
        exporter = await export_datasets(session, datasets)
        with _open(out) as fh:
            first = True
            if not lines:
                fh.write("[")
            async for statement in iter_statements(session, exporter):
                text = json.dumps(statement, ensure_ascii=False)
                if lines:
                    fh.write(text + "\n")
                else:
                    fh.write(("\n" if first else ",\n") + text)
                first = False
            if not lines:
                fh.write("\n]\n")
    counts = {**exporter.counts, "statements": sum(exporter.counts.values())}
    write_manifest(out, format="bods", counts=counts, datasets=exporter.datasets,
                   extra={"bodsVersion": BODS_VERSION})
    return counts
