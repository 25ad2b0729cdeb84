"""``registry import companies PATH... --format uk-ch|csv``: company registers, which give
companies their names, previous names, registered address, legal form and status.

- ``uk-ch``: Companies House's monthly "Free Company Data Product" as published (zipped CSV
  parts or plain CSV; header names with leading spaces; DD/MM/YYYY dates). A company is the
  entity ``GB-COH-{number}`` with identifier ``GB-COH``: the key the PSC snapshot and BODS
  use, so that the identifier join (``registry/links/identifier_join.py``) makes them one party.
- ``csv``: the generic register file below, for any other register.

Previous names become names of type ``former`` with the days they were in force: a name
change on day D ends the old name on D - 1 and starts the next one on D; the oldest name
starts on the incorporation date, the current (``legal``) name on the latest change.
Status, SIC codes and the register's URI are kept in ``Entity.data``; incorporation and
dissolution dates in ``founding_date`` / ``dissolution_date``.

Each row is one version of its record keyed by a hash of what is mapped (not the monthly
accounts and returns due dates), so a monthly file re-imported changes only the companies
that changed. A row that cannot be used is skipped and reported with its line.

Generic CSV (UTF-8, header row; ``.gz`` and ``.zip`` accepted), one company a line:

| column             | required | meaning                                                       |
|--------------------|----------|---------------------------------------------------------------|
| `name`             | yes      | the name in force                                             |
| `id`               | yes      | the company's number in the register                          |
| `scheme`           | yes      | the register's org-id.guide code (`GB-COH`, `UA-EDR`, ...)    |
| `jurisdiction`     | no       | ISO 3166-1 alpha-2 (or a country name); default: the scheme's |
| `legal_form`       | no       | as the register writes it                                     |
| `address`          | no       | the registered address, one line                              |
| `postal_code`      | no       |                                                               |
| `status`           | no       | `active`, `dissolved`, `liquidation`, ... as written          |
| `founding_date`    | no       | YYYY-MM-DD                                                    |
| `dissolution_date` | no       | YYYY-MM-DD                                                    |
| `name_from`        | no       | YYYY-MM-DD: the first day of the name in force                |
| `previous_names`   | no       | `;`-separated `NAME|FROM|TO` (dates YYYY-MM-DD, may be empty) |
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from importers.core.batching import write_behind
from importers.core.gc_tuning import batch_gc
from importers.core.name_keys import PendingKeysBuilder
from importers.core.ownership_writer import (
    ImportResult,
    ImportState,
    Mapped,
    encode_mapped,
    write_mapped,
)
from importers.core.record_versions import VersionRow
from importers.core.runs import RunRecorder, run_import
from importers.core.sources import Item, iter_csv_items
from importers.psc import company_number, country_code
from registry.entities.bulk import EntityRow
from search.identifiers import canonical_scheme, normalize_identifier

FORMATS = ("uk-ch", "csv")
DEFAULT_DATASETS = {"uk-ch": "gb-companies", "csv": "companies"}
TITLES = {"uk-ch": "UK Companies House company data", "csv": "Company register"}
BATCH_SIZE = 5_000
MAX_PREVIOUS = 10
UK_SOURCE = {"type": ["officialRegister"],
             "description": "UK Companies House, free company data product",
             "url": "https://download.companieshouse.gov.uk/en_output.html"}
ADDRESS_PARTS = ("RegAddress.CareOf", "RegAddress.POBox", "RegAddress.AddressLine1",
                 "RegAddress.AddressLine2", "RegAddress.PostTown", "RegAddress.County")
SIC = tuple(f"SICCode.SicText_{n}" for n in range(1, 5))
# The header as published (note the leading spaces); the reader strips them.
UK_HEADER = (
    "CompanyName", " CompanyNumber", "RegAddress.CareOf", "RegAddress.POBox",
    "RegAddress.AddressLine1", " RegAddress.AddressLine2", "RegAddress.PostTown",
    "RegAddress.County", "RegAddress.Country", "RegAddress.PostCode", "CompanyCategory",
    "CompanyStatus", "CountryOfOrigin", "DissolutionDate", "IncorporationDate",
    "Accounts.AccountRefDay", "Accounts.AccountRefMonth", "Accounts.NextDueDate",
    "Accounts.LastMadeUpDate", "Accounts.AccountCategory", "Returns.NextDueDate",
    "Returns.LastMadeUpDate", "Mortgages.NumMortCharges", "Mortgages.NumMortOutstanding",
    "Mortgages.NumMortPartSatisfied", "Mortgages.NumMortSatisfied", *SIC,
    "LimitedPartnerships.NumGenPartners", "LimitedPartnerships.NumLimPartners", "URI",
    *(f" PreviousName_{n}.{part}" for n in range(1, 11) for part in ("CONDATE", "CompanyName")),
    " ConfStmtNextDueDate", " ConfStmtLastMadeUpDate")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_PREVIOUS_COLUMNS = tuple((f"PreviousName_{n}.CompanyName", f"PreviousName_{n}.CONDATE")
                          for n in range(1, MAX_PREVIOUS + 1))
ONE_DAY = dt.timedelta(days=1)


class CompanyRowError(ValueError):
    pass


def uk_date(row: dict[str, str], column: str) -> dt.date | None:
    value = row.get(column) or ""
    if not value:
        return None
    m = _UK_DATE.fullmatch(value)
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise CompanyRowError(f"bad date in {column}: {value!r} (DD/MM/YYYY)") from None


def iso_date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CompanyRowError(f"bad date in {column}: {value!r} (YYYY-MM-DD)") from None


def name_history(current: str, current_from: dt.date | None,
                 previous: Iterable[tuple[str, dt.date | None, dt.date | None]],
                 ) -> list[tuple[str, str, dt.date | None, dt.date | None]]:
    """The names of a company with their days: the current one as ``legal``, the others as
    ``former`` (a company that went back to an old name has it under both types)."""
    out: list[tuple[str, str, dt.date | None, dt.date | None]] = [
        (current, "legal", current_from, None)]
    out += [(name, "former", start, end) for name, start, end in previous if name]
    return out


def uk_previous_names(row: dict[str, str], incorporated: dt.date | None,
                      ) -> tuple[dt.date | None, list[tuple[str, dt.date | None,
                                                             dt.date | None]]]:
    """(the day the current name started, [(previous name, from, to)]). Each
    ``PreviousName_N.CONDATE`` is the day the company changed *from* that name; the list
    is sorted by it, newest first, rather than trusting the column order."""
    changes: list[tuple[dt.date | None, str]] = []
    for name_column, date_column in _PREVIOUS_COLUMNS:
        name = row.get(name_column) or ""
        if name:
            changes.append((uk_date(row, date_column), name))
    changes.sort(key=lambda c: c[0] or dt.date.min, reverse=True)
    previous: list[tuple[str, dt.date | None, dt.date | None]] = []
    for i, (changed, name) in enumerate(changes):
        older = changes[i + 1][0] if i + 1 < len(changes) else incorporated
        previous.append((name, older, changed - ONE_DAY if changed else None))
    current_from = changes[0][0] if changes else incorporated
    return current_from, previous


def _version(key: str, content: dict[str, Any]) -> str:
    digest = hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()[:24]
    return f"{key}@{digest}"


def _mapped(key: str, content: dict[str, Any], entity: EntityRow, seq: int) -> Mapped:
    return Mapped(VersionRow("entity", key, entity.statement_id, "new", None, content, seq),
                  entity=entity)


@functools.lru_cache(maxsize=16)
def _uk_statement(retrieved: dt.date) -> dict[str, Any]:
    # One object for every row of an import (encoded per row, never changed).
    return {"source": {**UK_SOURCE, "retrievedAt": retrieved.isoformat()}}


def map_uk_row(row: dict[str, str], seq: int, retrieved: dt.datetime) -> Mapped:
    name = row.get("CompanyName") or ""
    number = company_number(row.get("CompanyNumber"))
    if not number:
        raise CompanyRowError("missing CompanyNumber")
    if not name:
        raise CompanyRowError("missing CompanyName")
    incorporated = uk_date(row, "IncorporationDate")
    dissolved = uk_date(row, "DissolutionDate")
    current_from, previous = uk_previous_names(row, incorporated)
    address: dict[str, Any] = {"type": "registered", "address": ", ".join(
        row[k] for k in ADDRESS_PARTS if row.get(k))}
    if row.get("RegAddress.PostCode"):
        address["postCode"] = row["RegAddress.PostCode"]
    if row.get("RegAddress.Country"):
        code = country_code(row["RegAddress.Country"])
        address["country"] = {"name": row["RegAddress.Country"], **({"code": code} if code
                                                                     else {})}
    origin = row.get("CountryOfOrigin") or ""
    country = "GB" if origin.strip().lower() in ("", "united kingdom") else (
        country_code(origin) or "GB")
    key = f"GB-COH-{number}"
    content: dict[str, Any] = {
        "company_number": number, "name": name, "category": row.get("CompanyCategory") or None,
        "status": row.get("CompanyStatus") or None, "country_of_origin": origin or None,
        "incorporation_date": incorporated.isoformat() if incorporated else None,
        "dissolution_date": dissolved.isoformat() if dissolved else None,
        "address": address if address["address"] or len(address) > 2 else None,
        "sic_codes": [row[k] for k in SIC if row.get(k)],
        "previous_names": [[n, f.isoformat() if f else None, t.isoformat() if t else None]
                           for n, f, t in previous],
        "uri": row.get("URI") or None,
    }
    entity = EntityRow(
        source_key=key, kind="company", name=name, statement_id=_version(key, content),
        dated_names=name_history(name, current_from, previous),
        identifiers=[("GB-COH", number)], country=country, jurisdiction=country,
        legal_form=content["category"],
        founding_date=content["incorporation_date"], dissolution_date=content["dissolution_date"],
        addresses=[address] if content["address"] else [],
        data={"status": content["status"], "sic_codes": content["sic_codes"],
              "uri": content["uri"], "country_of_origin": content["country_of_origin"],
              # The BODS export's statement source.
              "statement": _uk_statement(retrieved.date())},
        retrieved_at=retrieved)
    return _mapped(key, content, entity, seq)


def _jurisdiction(value: str, scheme: str) -> str | None:
    if value:
        if len(value) == 2 and value.isalpha():
            return value.upper()
        code = country_code(value)
        if code is None:
            raise CompanyRowError(f"unknown jurisdiction: {value!r}")
        return code
    head = scheme[:2]
    return head if head.isalpha() and head not in ("XI", "XM") else None


def parse_previous(value: str) -> list[tuple[str, dt.date | None, dt.date | None]]:
    out = []
    for part in value.split(";"):
        if not part.strip():
            continue
        name, *dates = [p.strip() for p in part.split("|")]
        if len(dates) > 2:
            raise CompanyRowError(f"bad previous_names entry: {part.strip()!r} (NAME|FROM|TO)")
        start = iso_date(dates[0], "previous_names") if dates else None
        end = iso_date(dates[1], "previous_names") if len(dates) > 1 else None
        out.append((name, start, end))
    return out


def map_csv_row(row: dict[str, str], seq: int, retrieved: dt.datetime) -> Mapped:
    name, ident, raw_scheme = (row.get(c) or "" for c in ("name", "id", "scheme"))
    for column, value in (("name", name), ("id", ident), ("scheme", raw_scheme)):
        if not value:
            raise CompanyRowError(f"missing {column}")
    scheme = canonical_scheme(raw_scheme)
    jurisdiction = _jurisdiction(row.get("jurisdiction") or "", scheme)
    founded = iso_date(row.get("founding_date") or "", "founding_date")
    dissolved = iso_date(row.get("dissolution_date") or "", "dissolution_date")
    name_from = iso_date(row.get("name_from") or "", "name_from")
    previous = parse_previous(row.get("previous_names") or "")
    address: dict[str, Any] = {"type": "registered", "address": row.get("address") or ""}
    if row.get("postal_code"):
        address["postCode"] = row["postal_code"]
    key = f"{scheme}-{normalize_identifier(scheme, ident)}"
    content: dict[str, Any] = {
        "name": name, "id": ident, "scheme": scheme, "jurisdiction": jurisdiction,
        "legal_form": row.get("legal_form") or None, "status": row.get("status") or None,
        "founding_date": founded.isoformat() if founded else None,
        "dissolution_date": dissolved.isoformat() if dissolved else None,
        "name_from": name_from.isoformat() if name_from else None,
        "address": address if address["address"] or "postCode" in address else None,
        "previous_names": [[n, f.isoformat() if f else None, t.isoformat() if t else None]
                           for n, f, t in previous],
    }
    entity = EntityRow(
        source_key=key, kind="company", name=name, statement_id=_version(key, content),
        dated_names=name_history(name, name_from, previous), identifiers=[(scheme, ident)],
        country=jurisdiction, jurisdiction=jurisdiction, legal_form=content["legal_form"],
        founding_date=content["founding_date"], dissolution_date=content["dissolution_date"],
        addresses=[address] if content["address"] else [],
        data={"status": content["status"], "statement": {"source": {
            "type": ["officialRegister"], "description": f"Company register ({scheme})",
            "retrievedAt": retrieved.date().isoformat()}}},
        retrieved_at=retrieved)
    return _mapped(key, content, entity, seq)


MAPPERS = {"uk-ch": map_uk_row, "csv": map_csv_row}


Prepared = tuple[Item, str | None, Mapped | None]  # the item, why it is skipped, or its row


def prepare(items: Iterable[Item], recorder: RunRecorder, state: ImportState,
            fmt: str) -> Iterator[Prepared]:
    """Rows mapped, and encoded (names normalised: most of the Python work) ahead of the
    writes while every row so far was new. Once the input overlaps what is stored (a new
    month's file), most rows are unchanged and are not encoded at all: the writer encodes
    the few it writes."""
    mapper = MAPPERS[fmt]
    retrieved = dt.datetime.now(dt.UTC)
    for seq, item in enumerate(items):
        if recorder.should_skip(item.path, item.index):
            continue
        if item.error is not None:
            yield item, item.error, None
            continue
        try:
            mapped = mapper(item.value, seq, retrieved)
        except (CompanyRowError, ValueError, TypeError, KeyError) as exc:
            yield item, str(exc), None
            continue
        yield item, None, encode_mapped(mapped) if state.optimistic else mapped


async def import_items(session: AsyncSession, recorder: RunRecorder, state: ImportState,
                       fmt: str, items: Iterable[Item], batch_size: int = BATCH_SIZE) -> None:
    """Batches written one at a time while the next is prepared; the names' search keys
    are built on a second connection (``importers/core/name_keys.py``), as for BODS."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine)

    async def write(chunk: list[Prepared]) -> None:
        for item, reason, _ in chunk:
            if reason is not None:
                recorder.skip(item.path, item.position, reason)
        mapped = [m for _, _, m in chunk if m is not None]
        if mapped:
            await write_mapped(session, state, recorder, mapped)
        for item, _, _ in chunk:
            recorder.mark(item.path, item.index)
        await recorder.checkpoint(session)
        await keys.poke()

    async with PendingKeysBuilder(engine) as keys:
        state.name_keys = keys
        await write_behind(prepare(items, recorder, state, fmt), batch_size, write)


async def import_companies(database_url: str, paths: list[str], *, fmt: str = "uk-ch",
                           dataset: str | None = None, batch_size: int = BATCH_SIZE,
                           resume: bool = True) -> ImportResult:
    """Import company register files of format ``fmt`` into ``dataset``."""
    if fmt not in MAPPERS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    name = dataset or DEFAULT_DATASETS[fmt]

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        state = ImportState(dataset=name, run_id=recorder.id)
        with batch_gc():
            await import_items(session, recorder, state, fmt, iter_csv_items(paths),
                               batch_size)

    summary = await run_import(database_url, dataset=name, source=f"companies-{fmt}",
                               paths=paths, body=body, resume=resume, title=TITLES[fmt])
    return ImportResult(summary, 0)
