"""Political finance: ``registry import donations PATH... [--format uk-ec|csv] [--dataset]``.

Formats and columns: ``importers/donations_parse.py``. Each batch writes its donors and
recipients as entities of the dataset (``upsert_entities``, stamped with the run so that the
linking after the import takes them), then its donations with one ``INSERT ... ON CONFLICT
(dataset, source_ref)`` that touches only rows whose content changed: re-importing the same
file changes nothing, a corrected line updates its donation. A line that cannot be used is
skipped and reported with its line number. The next batch is parsed while one is written
(``importers/core/batching.py``), and new names get their search keys on a second connection
(``importers/core/name_keys.py``), as in the BODS import. Donor entities are keyed by identifier (a
company number) or by name and postcode, so one donor giving many times is one entity; a
party is one entity per name, whatever accounting unit received the money.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from importers.core.batching import write_behind
from importers.core.name_keys import DEFER, PendingKeysBuilder
from importers.core.runs import RunRecorder, Summary, run_import
from importers.donations_parse import PARSERS, Parsed, Party, Row, detect_format, iter_rows
from registry.entities.bulk import EntityRow, upsert_entities

SOURCE = "donations"
DEFAULT_DATASET = {"uk-ec": "gb-ec-donations", "csv": "donations"}
TITLES = {"uk-ec": "UK Electoral Commission: donations", "csv": "Political donations"}
BATCH = 2000
Prepared = tuple[Row, Parsed | None, str | None]  # a line, parsed or why it is not usable
# Donor and recipient entities written in this run (key -> id): each is written once a run,
# its first spelling winning, so that re-importing a file rewrites none. Bounded: when full
# it starts again (a donor met again is then upserted again, unchanged: only slower).
ENTITY_CACHE = 200_000

_UPSERT = text("""
INSERT INTO donations (dataset, source_ref, donor_id, donor_name, donor_type, recipient_id,
    recipient_name, recipient_type, accounting_unit, value, currency, date, accepted_date,
    received_date, reported_date, type, nature, status, reporting_period, data, content_hash,
    import_run_id)
SELECT :dataset, r.source_ref, r.donor_id, r.donor_name, r.donor_type, r.recipient_id,
    r.recipient_name, r.recipient_type, r.accounting_unit, r.value, r.currency, r.date,
    r.accepted_date, r.received_date, r.reported_date, r.type, r.nature, r.status,
    r.reporting_period, coalesce(r.data, '{}'::jsonb), r.content_hash, :run
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    source_ref text, donor_id bigint, donor_name text, donor_type text, recipient_id bigint,
    recipient_name text, recipient_type text, accounting_unit text, value numeric,
    currency text, date date, accepted_date date, received_date date, reported_date date,
    type text, nature text, status text, reporting_period text, data jsonb,
    content_hash text)
ON CONFLICT (dataset, source_ref) DO UPDATE SET
    donor_id = EXCLUDED.donor_id, donor_name = EXCLUDED.donor_name,
    donor_type = EXCLUDED.donor_type, recipient_id = EXCLUDED.recipient_id,
    recipient_name = EXCLUDED.recipient_name, recipient_type = EXCLUDED.recipient_type,
    accounting_unit = EXCLUDED.accounting_unit, value = EXCLUDED.value,
    currency = EXCLUDED.currency, date = EXCLUDED.date,
    accepted_date = EXCLUDED.accepted_date, received_date = EXCLUDED.received_date,
    reported_date = EXCLUDED.reported_date, type = EXCLUDED.type, nature = EXCLUDED.nature,
    status = EXCLUDED.status, reporting_period = EXCLUDED.reporting_period,
    data = EXCLUDED.data, content_hash = EXCLUDED.content_hash,
    import_run_id = EXCLUDED.import_run_id, updated_at = now()
WHERE donations.content_hash IS DISTINCT FROM EXCLUDED.content_hash
RETURNING source_ref, (xmax = 0) AS inserted
""")


def _entity_row(p: Party) -> EntityRow:
    names = [(p.written, "alternative")] if p.written != p.name else []
    version = hashlib.sha1(msgspec.json.encode(  # noqa: S324 - a version id, not security
        [p.kind, p.name, names, p.identifiers, p.country, p.addresses, p.data,
         p.restricted])).hexdigest()
    return EntityRow(source_key=p.key, kind=p.kind, name=p.name, statement_id=version,
                     names=names, identifiers=list(p.identifiers), country=p.country,
                     addresses=list(p.addresses), data=dict(p.data),
                     restricted=dict(p.restricted))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _record(p: Parsed, donor_id: int, recipient_id: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_ref": p.reference, "donor_id": donor_id, "donor_name": p.donor.written,
        "donor_type": p.donor_type, "recipient_id": recipient_id,
        "recipient_name": p.recipient.written, "recipient_type": p.recipient_type,
        "accounting_unit": p.accounting_unit,
        "value": str(p.value) if p.value is not None else None, "currency": p.currency,
        "date": _iso(p.date), "accepted_date": _iso(p.accepted_date),
        "received_date": _iso(p.received_date), "reported_date": _iso(p.reported_date),
        "type": p.type, "nature": p.nature, "status": p.status,
        "reporting_period": p.reporting_period, "data": p.data,
    }
    # The content names the donor and recipient by key: their ids are the same each run.
    content = {**row, "donor_id": p.donor.key, "recipient_id": p.recipient.key}
    row["content_hash"] = hashlib.sha1(  # noqa: S324 - a content hash, not security
        msgspec.json.encode(content, order="sorted")).hexdigest()
    return row


class DonationWriter:
    """Writes batches of parsed donations into one dataset; keeps the entity cache."""

    def __init__(self, dataset: str, run_id: int | None) -> None:
        self.dataset = dataset
        self.run_id = run_id
        self.entities: dict[str, int] = {}

    async def write(self, session: AsyncSession, batch: list[Parsed], *,
                    before_replacing: Callable[[], Awaitable[None]] | None = None,
                    ) -> dict[str, str]:
        """Reference -> 'imported' | 'updated' | 'unchanged' for each donation given (a
        reference repeated in the batch: its last line)."""
        latest: dict[str, Parsed] = {p.reference: p for p in batch}
        if not latest:
            return {}
        wanted: dict[str, Party] = {}
        for p in latest.values():
            for party in (p.donor, p.recipient):
                if party.key not in self.entities and party.key not in wanted:
                    wanted[party.key] = party
        if wanted:
            if len(self.entities) + len(wanted) > ENTITY_CACHE:
                self.entities.clear()
            result = await upsert_entities(session, self.dataset, self.run_id,
                                           [_entity_row(x) for x in wanted.values()],
                                           before_replacing=before_replacing)
            self.entities.update(result.ids)
        rows = [_record(p, self.entities[p.donor.key], self.entities[p.recipient.key])
                for p in latest.values()]
        written = await session.execute(_UPSERT, {
            "dataset": self.dataset, "run": self.run_id,
            "rows": msgspec.json.encode(rows).decode()})
        outcome = dict.fromkeys(latest, "unchanged")
        for r in written:
            outcome[r.source_ref] = "imported" if r.inserted else "updated"
        return outcome


async def import_donations(database_url: str, paths: list[str], *, fmt: str | None = None,
                           dataset: str | None = None, resume: bool = True) -> Summary:
    fmt = fmt or detect_format(paths)
    if fmt not in PARSERS:
        raise ValueError(f"unknown format {fmt!r}: choose uk-ec or csv")
    parse: Callable[[dict[str, str]], Parsed]
    parse, required = PARSERS[fmt]
    dataset = dataset or DEFAULT_DATASET[fmt]

    def prepare(recorder: RunRecorder) -> Iterator[Prepared]:
        for row in iter_rows(paths, required):
            if row.error is not None:
                yield row, None, row.error
            elif not recorder.should_skip(row.path, row.index):
                assert row.values is not None
                try:
                    yield row, parse(row.values), None
                except ValueError as exc:
                    yield row, None, str(exc)

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        writer = DonationWriter(dataset, recorder.id)
        engine = session.bind
        assert isinstance(engine, AsyncEngine)

        async def write(chunk: list[Prepared]) -> None:
            await session.execute(DEFER)  # keys built beside the import (name_keys.py)
            parsed = [(row, p) for row, p, _ in chunk if p is not None]
            outcome = await writer.write(session, [p for _, p in parsed],
                                         before_replacing=keys.settle)
            last = {p.reference: row.index for row, p in parsed}
            for row, p, error in chunk:
                if p is None:
                    recorder.skip(row.path, row.position, error or "unusable")
                    if row.values is None:  # a file-level problem: no item to mark
                        continue
                elif last[p.reference] != row.index:
                    recorder.skip(row.path, row.position,
                                  f"reference {p.reference} repeated later in the batch: "
                                  "the later line is kept")
                else:
                    kind = outcome[p.reference]
                    setattr(recorder.summary, kind, getattr(recorder.summary, kind) + 1)
                recorder.mark(row.path, row.index)
            await recorder.checkpoint(session)
            await keys.poke()

        # The next batch is read and parsed while this one is written, and the new names'
        # search keys are built on a second connection (as the BODS import does).
        async with PendingKeysBuilder(engine) as keys:
            await write_behind(prepare(recorder), BATCH, write)

    return await run_import(database_url, dataset=dataset, source=SOURCE,
                            paths=[str(Path(p)) for p in paths], body=body, resume=resume,
                            title=TITLES[fmt])
