"""``registry import psc PATH...``: the UK Companies House "persons with significant control"
snapshot (JSON Lines, one PSC a line), onto the same model as BODS.

- The company is an entity ``GB-COH-{company_number}`` (identifier scheme GB-COH). The
  snapshot does not carry its name, so until a richer record arrives it is named by its
  number; such a placeholder never replaces an entity that describes the same key. Joined
  by identifier to the company register's record (``registry/links/identifier_join.py``), it is
  shown with that record's name (``known_as``).
- A corporate PSC registered in the UK becomes the company ``GB-COH-{its number}``, so its
  own PSCs continue the chain; other corporate or legal-person PSCs get
  ``psc/{company}/{psc id}``; an individual too.
- The relationship record is ``{company}/{psc id}``, one version per ``etag``: its
  interests come from ``natures_of_control`` (``ownership-of-shares-25-to-50-percent`` is a
  shareholding of more than 25% and at most 50%; 50-to-75 is more than 50% and less than 75%;
  75-to-100 is 75% or more: the statutory bands), starting ``notified_on`` and ending
  ``ceased_on``. Super-secure PSCs and PSC statements ("no registrable person", ...) become
  relationships with an unspecified interested party and a BODS reason.
- Restricted details (the day of birth, a residential address) go to ``Entity.restricted``
  only and are removed from the stored copy of the line; the public birth date is
  year-month.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pycountry
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.mapping import parse_date
from importers.core.ownership_writer import (
    ImportResult,
    ImportState,
    Mapped,
    run_ownership_import,
    write_mapped,
)
from importers.core.record_versions import VersionRow
from importers.core.runs import RunRecorder
from importers.core.sources import DEFAULT_ENCODING, Item
from registry.entities.bulk import EntityRow
from registry.ownership.bulk import InterestRow, RelationshipRow

DEFAULT_DATASET = "gb-psc"
BATCH_SIZE = 5_000
SOURCE = {"type": ["officialRegister"],
          "description": "UK Companies House, persons with significant control snapshot",
          "url": "https://download.companieshouse.gov.uk/en_pscdata.html"}

INTEREST_TYPES = (
    ("ownership-of-shares", "shareholding"),
    ("voting-rights", "votingRights"),
    ("right-to-appoint-and-remove", "appointmentOfBoard"),
    ("significant-influence-or-control", "otherInfluenceOrControl"),
    ("right-to-share-surplus-assets", "rightsToSurplusAssetsOnDissolution"),
)
# (exclusive minimum?, minimum, maximum, exclusive maximum?) per statutory band.
BANDS = {
    (25, 50): (True, 25, 50, False),
    (50, 75): (True, 50, 75, True),
    (75, 100): (False, 75, 100, False),
}
BAND = re.compile(r"(\d+)-to-(\d+)-percent")
MORE_THAN_25 = re.compile(r"more-than-25-percent")
STATEMENT_REASONS = {
    "no-individual-or-entity-with-signficant-control": "noBeneficialOwners",
    "no-individual-or-entity-with-significant-control": "noBeneficialOwners",
    "no-individual-or-entity-with-signficant-control-partnership": "noBeneficialOwners",
}
UK_PLACES = {"england", "wales", "scotland", "northern ireland", "united kingdom", "uk",
             "england and wales", "england & wales", "great britain", "gb",
             "companies house", "registrar of companies for england and wales"}
UK_COUNTRIES = {"england", "wales", "scotland", "northern ireland", "united kingdom",
                "england and wales", "great britain", "uk"}
DEMONYMS = {"british": "GB", "english": "GB", "welsh": "GB", "scottish": "GB",
            "northern irish": "GB", "irish": "IE", "american": "US", "french": "FR",
            "german": "DE", "spanish": "ES", "italian": "IT", "polish": "PL",
            "dutch": "NL", "indian": "IN", "chinese": "CN", "ukrainian": "UA"}
RESTRICTED_ADDRESS_KEYS = ("usual_residential_address", "residential_address")
# The snapshot ends with a totals line, ``{"data": {"kind":
# "totals#persons-of-significant-control-snapshot", "persons_of_significant_control_count": N,
# "statements_count": M, "exemptions_count": K}}``: each count is checked against the lines
# of that kind read.
TOTALS = {"persons_of_significant_control_count": ("individual", "corporate-entity",
                                                   "legal-person", "super-secure"),
          "statements_count": ("persons-with-significant-control-statement",),
          "exemptions_count": ("exemptions",)}


class PscError(ValueError):
    pass


class Totals:
    """Lines read per kind of the totals line, and the totals line itself."""

    def __init__(self) -> None:
        self.read = dict.fromkeys(TOTALS, 0)
        self.declared: dict[str, Any] | None = None

    def count(self, line: Any) -> None:
        data = line.get("data") if isinstance(line, dict) else None
        kind = data.get("kind") if isinstance(data, dict) else None
        if not isinstance(kind, str):
            return
        if kind.startswith("totals#"):
            self.declared = data
            return
        for key, prefixes in TOTALS.items():
            if kind.startswith(prefixes):
                self.read[key] += 1
                return

    def notes(self, resumed: bool) -> list[str]:
        if self.declared is None:
            return []
        counts = {k: v for k, v in self.declared.items() if k.endswith("_count")}
        if resumed:
            return ["totals line found; not checked: this run resumed an interrupted one"]
        out = []
        for key, declared in sorted(counts.items()):
            read = self.read.get(key)
            if read is None:
                out.append(f"totals line: {key} {declared} (not a count this importer checks)")
            elif read == declared:
                out.append(f"totals line: {key} {declared}, as read")
            else:
                out.append(f"totals line: {key} {declared}, but {read} read: MISMATCH")
        return out


def company_number(value: Any) -> str:
    """Companies House numbers are 8 characters: digits zero-padded, or a 2-letter prefix
    and 6 digits (SC123456)."""
    raw = re.sub(r"\s+", "", str(value or "")).upper()
    if raw.isdigit():
        return raw.zfill(8)
    m = re.fullmatch(r"([A-Z]{2})(\d{1,6})", raw)
    return m.group(1) + m.group(2).zfill(6) if m else raw


def country_code(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return _country_code(name.strip())


@functools.lru_cache(maxsize=4096)
def _country_code(name: str) -> str | None:
    text = name.lower()
    if text in UK_COUNTRIES:
        return "GB"
    try:
        found = pycountry.countries.lookup(name)
    except LookupError:
        return None
    return str(found.alpha_2)


def interests(natures: Iterable[str], start: dt.date | None, end: dt.date | None,
              beneficial: bool) -> list[InterestRow]:
    out = []
    for nature in natures:
        kind = next((t for prefix, t in INTEREST_TYPES if nature.startswith(prefix)),
                    "otherInfluenceOrControl")
        row = InterestRow(type=kind, direct_or_indirect="unknown", beneficial=beneficial,
                          start_date=start, end_date=end, details=nature)
        band = BAND.search(nature)
        if band and (int(band.group(1)), int(band.group(2))) in BANDS:
            excl_min, low, high, excl_max = BANDS[(int(band.group(1)), int(band.group(2)))]
            row.share_min, row.share_max = Decimal(low), Decimal(high)
            row.share_exclusive_min, row.share_exclusive_max = excl_min, excl_max
        elif MORE_THAN_25.search(nature):
            row.share_min, row.share_exclusive_min, row.share_max = Decimal(25), True, Decimal(100)
        out.append(row)
    return out


def _address(a: Any, kind: str) -> dict[str, Any] | None:
    if not isinstance(a, dict):
        return None
    parts = [a.get(k) for k in ("care_of", "po_box", "premises", "address_line_1",
                                "address_line_2", "locality", "region")]
    out: dict[str, Any] = {"type": kind, "address": ", ".join(str(p) for p in parts if p)}
    if a.get("postal_code"):
        out["postCode"] = str(a["postal_code"])
    code = country_code(a.get("country"))
    if a.get("country"):
        out["country"] = {"name": str(a["country"]), **({"code": code} if code else {})}
    return out if out["address"] or "country" in out else None


def _psc_id(data: dict[str, Any]) -> str:
    link = (data.get("links") or {}).get("self")
    if isinstance(link, str) and link.strip("/"):
        return link.rstrip("/").rsplit("/", 1)[-1]
    basis = json.dumps([data.get("kind"), data.get("name"), data.get("notified_on"),
                        data.get("statement")], sort_keys=True)
    return hashlib.sha256(basis.encode()).hexdigest()[:24]


def _public_line(line: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The line without what the source restricts, and the restricted part."""
    data = dict(line.get("data") or {})
    restricted: dict[str, Any] = {}
    dob = data.get("date_of_birth")
    if isinstance(dob, dict) and dob.get("day"):
        restricted["birth_date"] = (f"{int(dob['year']):04d}-{int(dob['month']):02d}-"
                                    f"{int(dob['day']):02d}")
        data["date_of_birth"] = {k: v for k, v in dob.items() if k != "day"}
    for key in RESTRICTED_ADDRESS_KEYS:
        if key in data:
            restricted["residential_address"] = data.pop(key)
    return {**line, "data": data}, restricted


def map_line(line: Any, seq: int, retrieved: dt.datetime) -> list[Mapped]:
    if not isinstance(line, dict):
        raise PscError("not a PSC record: expected a JSON object")
    if not isinstance(line.get("data"), dict):
        raise PscError("missing field: data")
    kind = line["data"].get("kind")
    if not isinstance(kind, str):
        raise PscError("missing field: data.kind")
    if kind.startswith("totals#"):
        return []  # the snapshot's trailer
    number = company_number(line.get("company_number"))
    if not number:
        raise PscError("missing field: company_number")
    public, restricted = _public_line(line)
    data: dict[str, Any] = public["data"]
    psc_id = _psc_id(data)
    rel_key = f"{number}/{psc_id}"
    etag = data.get("etag") or hashlib.sha256(
        json.dumps(public, sort_keys=True).encode()).hexdigest()
    version = f"{rel_key}@{etag}"
    start, end = parse_date(data.get("notified_on")), parse_date(data.get("ceased_on"))
    valid_from = (dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) if start else None)
    company_key = f"GB-COH-{number}"
    statement = {"source": {**SOURCE, "retrievedAt": retrieved.date().isoformat()},
                 "declarationSubject": company_key}
    company = Mapped(
        VersionRow("entity", company_key, company_key, "new", None,
                   {"company_number": number}, seq),
        entity=EntityRow(source_key=company_key, kind="company", name=number,
                         statement_id=company_key, identifiers=[("GB-COH", number)],
                         country="GB", jurisdiction="GB",
                         data={"placeholder": True, "statement": statement}),
        weak=True)
    out = [company]
    natures = [n for n in data.get("natures_of_control", []) if isinstance(n, str)]
    party_key: str | None = None
    unspecified: dict[str, Any] | None = None

    if kind == "individual-person-with-significant-control" or kind.startswith(
            "individual-beneficial-owner"):
        party_key = f"psc/{number}/{psc_id}"
        out.append(Mapped(VersionRow("person", party_key, version, "new", valid_from, public,
                                     seq),
                          entity=_person(party_key, version, data, restricted, statement,
                                         valid_from, retrieved)))
    elif kind.startswith(("corporate-entity", "legal-person")):
        entity = _corporate(number, psc_id, version, data, statement, valid_from, retrieved)
        party_key = entity.source_key
        out.append(Mapped(VersionRow("entity", party_key, version, "new", valid_from, public,
                                     seq), entity=entity))
    elif kind.startswith("super-secure"):
        unspecified = {"reason": "interestedPartyExemptFromDisclosure",
                       "description": "super-secure person with significant control"}
    elif kind == "persons-with-significant-control-statement":
        code = str(data.get("statement") or "unknown")
        unspecified = {"reason": STATEMENT_REASONS.get(
            code, "subjectUnableToConfirmOrIdentifyBeneficialOwner"), "description": code}
    else:
        raise PscError(f"unsupported PSC kind: {kind}")

    rel = RelationshipRow(
        source_key=rel_key, statement_id=version, subject_key=company_key,
        interested_party_key=party_key, interested_unspecified=unspecified,
        valid_from=valid_from,
        # A ceased statement ("no registrable person" no longer true) closes the record;
        # a ceased PSC keeps its record, its interests end on ceased_on.
        is_closed=unspecified is not None and end is not None and not natures,
        data={"statement": statement, "kind": kind}, retrieved_at=retrieved,
        interests=interests(natures, start, end,
                            beneficial=kind.startswith(("individual", "super-secure"))))
    out.append(Mapped(VersionRow("relationship", rel_key, version, "new", valid_from, public,
                                 seq), relationship=rel))
    return out


def _person(key: str, version: str, d: dict[str, Any], restricted: dict[str, Any],
            statement: dict[str, Any], valid_from: dt.datetime | None,
            retrieved: dt.datetime) -> EntityRow:
    name = d.get("name") or " ".join(
        str(v) for k in ("forename", "middle_name", "surname")
        if (v := (d.get("name_elements") or {}).get(k)))
    dob = d.get("date_of_birth") or {}
    birth = (f"{int(dob['year']):04d}-{int(dob['month']):02d}"
             if dob.get("year") and dob.get("month") else
             f"{int(dob['year']):04d}" if dob.get("year") else None)
    nationalities = []
    for n in str(d.get("nationality") or "").split(","):
        n = n.strip()
        if n:
            nationalities.append(DEMONYMS.get(n.lower()) or country_code(n) or n)
    address = _address(d.get("address"), "service")
    return EntityRow(
        source_key=key, kind="person", name=str(name), statement_id=version,
        country=country_code(d.get("country_of_residence")), birth_date=birth,
        nationalities=nationalities, addresses=[address] if address else [],
        data={"statement": statement, "psc_kind": d.get("kind")},
        restricted=restricted, valid_from=valid_from, retrieved_at=retrieved,
        is_closed=False)


def _corporate(number: str, psc_id: str, version: str, d: dict[str, Any],
               statement: dict[str, Any], valid_from: dt.datetime | None,
               retrieved: dt.datetime) -> EntityRow:
    ident = d.get("identification") or {}
    registration = ident.get("registration_number")
    places = {str(ident.get(k) or "").strip().lower()
              for k in ("country_registered", "place_registered", "legal_authority")}
    uk = bool(registration) and bool(places & UK_PLACES)
    if uk:
        own = company_number(registration)
        key, identifiers = f"GB-COH-{own}", [("GB-COH", own)]
    else:
        key, identifiers = f"psc/{number}/{psc_id}", []
    address = _address(d.get("address"), "registered")
    country = (country_code(ident.get("country_registered"))
               or country_code(ident.get("place_registered")))
    return EntityRow(
        source_key=key, kind="company", name=str(d.get("name") or key), statement_id=version,
        identifiers=identifiers, country=country, jurisdiction=country,
        legal_form=ident.get("legal_form"), addresses=[address] if address else [],
        data={"statement": statement, "identification": ident, "psc_kind": d.get("kind")},
        valid_from=valid_from, retrieved_at=retrieved)


async def import_items(session: AsyncSession, recorder: RunRecorder, dataset: str,
                       items: Iterable[Item], batch_size: int = BATCH_SIZE) -> ImportState:
    state = ImportState(dataset=dataset, run_id=recorder.id)
    retrieved = dt.datetime.now(dt.UTC)
    batch: list[Mapped] = []
    pending: list[Item] = []
    totals = Totals()

    async def flush() -> None:
        await write_mapped(session, state, recorder, batch)
        for it in pending:
            recorder.mark(it.path, it.index)
        await recorder.checkpoint(session)
        batch.clear()
        pending.clear()

    for item in items:
        if recorder.should_skip(item.path, item.index):
            continue
        pending.append(item)
        if item.error is not None:
            recorder.skip(item.path, item.position, item.error)
        else:
            totals.count(item.value)
            try:
                batch.extend(map_line(item.value, len(pending), retrieved))
            except (PscError, ValueError, TypeError, KeyError) as exc:
                recorder.skip(item.path, item.position, str(exc))
        if len(pending) >= batch_size:
            await flush()
    await flush()
    state.notes += totals.notes(resumed=bool(recorder.resume_from))
    return state


async def import_psc(database_url: str, paths: list[str], dataset: str = DEFAULT_DATASET,
                     *, batch_size: int = BATCH_SIZE, resume: bool = True,
                     encoding: str = DEFAULT_ENCODING) -> ImportResult:
    """Import PSC snapshot files into ``dataset``."""
    return await run_ownership_import(
        database_url, paths, dataset, source="psc", title="UK persons with significant control",
        import_items=import_items, batch_size=batch_size, resume=resume,
        encoding=encoding)
