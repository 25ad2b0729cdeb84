"""Writing many entities at ``COPY`` speed: the path every importer takes.

Rows are copied into a session-local staging table, then merged into ``entities`` with one
``INSERT ... ON CONFLICT (dataset, source_key)`` that only touches rows whose version
(``statement_id``) changed and is not older than what is stored. Names and identifiers of the
rows that changed are replaced, also by ``COPY``. All of it runs on the session's connection,
inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.driver import session_driver
from registry.db.ids import take_ids
from search.identifiers import normalize_identifier
from search.normalize import normalize_name


@dataclass(slots=True)
class EntityRow:
    source_key: str
    kind: str
    name: str
    statement_id: str  # the version: same id means unchanged, nothing is written
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, type) besides `name`
    # Names with the days they were in force (previous names from a register): (name, type,
    # valid from, valid to); the legal name may be given here too, with its dates.
    dated_names: list[tuple[str, str, dt.date | None, dt.date | None]] = field(
        default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (scheme, value)
    country: str | None = None
    jurisdiction: str | None = None
    legal_form: str | None = None
    founding_date: str | None = None
    dissolution_date: str | None = None
    birth_date: str | None = None
    nationalities: list[str] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    restricted: dict[str, Any] = field(default_factory=dict)
    valid_from: dt.datetime | None = None
    is_closed: bool = False
    retrieved_at: dt.datetime | None = None
    # Filled by encode_entity(); the row must not change afterwards.
    encoded: EncodedEntity | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class EncodedEntity:
    """An entity row as it is copied: JSON as text, names and identifiers normalised."""

    values: tuple[Any, ...]  # in the order of _STAGE_COLUMNS
    # (name, type, normalized, valid from, valid to), the legal name first
    names: list[tuple[str, str, str, dt.date | None, dt.date | None]]
    identifiers: list[tuple[str, str, str]]  # (scheme, value, normalized)


def encode_entity(row: EntityRow) -> EncodedEntity:
    """Encode a row once (kept on it). An importer calls this while the database is busy
    with its previous batch, so that the writer has only ids left to add; otherwise
    :func:`upsert_entities` does it."""
    if row.encoded is None:
        dates: dict[tuple[str, str], tuple[dt.date | None, dt.date | None]] = {}
        for name, type_ in [(row.name, "legal"), *row.names]:
            if name:
                dates.setdefault((name, type_), (None, None))
        for name, type_, start, end in row.dated_names:
            if name:
                dates[(name, type_)] = (start, end)
        names = [(name, type_, normalize_name(name), start, end)
                 for (name, type_), (start, end) in dates.items()]
        identifiers = [(scheme, value, normalize_identifier(scheme, value))
                       for scheme, value in dict.fromkeys(row.identifiers) if scheme and value]
        row.encoded = EncodedEntity(_values(row), names, identifiers)
    return row.encoded


@dataclass
class BulkResult:
    ids: dict[str, int]  # source_key -> entity id, for every row given
    inserted: set[str]
    updated: set[str]

    @property
    def unchanged(self) -> int:
        return len(self.ids) - len(self.inserted) - len(self.updated)


_STAGE_COLUMNS = (
    "source_key", "kind", "name", "country", "jurisdiction", "legal_form", "founding_date",
    "dissolution_date", "birth_date", "nationalities", "addresses", "data", "restricted",
    "statement_id", "valid_from", "is_closed", "retrieved_at",
)

_CREATE_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS _stage_entities (
    source_key text, kind text, name text, country text, jurisdiction text, legal_form text,
    founding_date text, dissolution_date text, birth_date text, nationalities jsonb,
    addresses jsonb, data jsonb, restricted jsonb, statement_id text, valid_from timestamptz,
    is_closed boolean, retrieved_at timestamptz
) ON COMMIT DELETE ROWS
"""

_UPDATABLE = [c for c in _STAGE_COLUMNS if c != "source_key"]
_MERGE = f"""
INSERT INTO entities (dataset, import_run_id, {", ".join(_STAGE_COLUMNS)})
SELECT :dataset, :run_id, {", ".join(_STAGE_COLUMNS)} FROM _stage_entities
ON CONFLICT (dataset, source_key) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATABLE)},
    import_run_id = EXCLUDED.import_run_id, updated_at = now()
WHERE entities.statement_id IS DISTINCT FROM EXCLUDED.statement_id
  AND (entities.valid_from IS NULL OR EXCLUDED.valid_from IS NULL
       OR EXCLUDED.valid_from >= entities.valid_from)
RETURNING id, source_key, (xmax = 0) AS inserted
"""


async def upsert_entities(session: AsyncSession, dataset: str, run_id: int | None,
                          rows: Sequence[EntityRow], *,
                          before_replacing: Callable[[], Awaitable[None]] | None = None,
                          ) -> BulkResult:
    """``before_replacing`` is awaited before the names of stored entities are replaced."""
    latest: dict[str, EntityRow] = {}
    for row in rows:  # within one batch the last version of a record wins
        latest[row.source_key] = row
    if not latest:
        return BulkResult({}, set(), set())
    driver = await session_driver(session)
    # Keys not stored yet (most of a first import) are copied straight into the table with
    # ids taken from its sequence; only the others go through the staging merge. A writer
    # adding the same keys concurrently makes this batch fail (unique violation) rather
    # than write twice: importers serialise their batches per dataset.
    # The keys travel as one JSON array: asyncpg encodes a text[] parameter element by
    # element in Python, at a cost comparable to the lookup itself.
    stored = {r["source_key"] for r in await driver.fetch(
        "SELECT source_key FROM entities WHERE dataset = $1 AND source_key = "
        "ANY(ARRAY(SELECT json_array_elements_text($2::json)))",
        dataset, msgspec.json.encode(list(latest)).decode())}
    fresh = [r for k, r in latest.items() if k not in stored]
    ids: dict[str, int] = {}
    inserted: set[str] = set()
    updated: set[str] = set()
    if fresh:
        new_ids = await take_ids(driver, "entities", len(fresh))
        await driver.copy_records_to_table(
            "entities", records=[(i, dataset, run_id, *encode_entity(r).values)
                                 for i, r in zip(new_ids, fresh, strict=True)],
            columns=["id", "dataset", "import_run_id", *_STAGE_COLUMNS])
        ids.update({r.source_key: i for i, r in zip(new_ids, fresh, strict=True)})
        inserted.update(r.source_key for r in fresh)
    if stored:
        await session.execute(text(_CREATE_STAGE))
        await session.execute(text("TRUNCATE _stage_entities"))
        await driver.copy_records_to_table(
            "_stage_entities", records=[encode_entity(latest[k]).values for k in stored],
            columns=list(_STAGE_COLUMNS))
        changed = (await session.execute(text(_MERGE),
                                         {"dataset": dataset, "run_id": run_id})).all()
        updated = {r.source_key for r in changed if not r.inserted}
        inserted.update(r.source_key for r in changed if r.inserted)
        ids.update({r.source_key: r.id for r in changed})
        missing = [k for k in stored if k not in ids]
        if missing:
            found = await session.execute(
                text("SELECT id, source_key FROM entities "
                     "WHERE dataset = :d AND source_key = ANY(:k)"),
                {"d": dataset, "k": missing})
            ids.update({r.source_key: r.id for r in found})
    if updated and before_replacing is not None:
        await before_replacing()
    if inserted or updated:
        await _replace_children(session, driver, {ids[k]: latest[k] for k in inserted | updated},
                                fresh={ids[k] for k in inserted})
    return BulkResult(ids, inserted, updated)


def _json(value: Any) -> str:
    if not value:  # most lists and objects of a row are empty
        return "[]" if isinstance(value, list) else "{}"
    try:  # msgspec is several times faster than json.dumps on large batches
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return json.dumps(value, ensure_ascii=False, default=str)


def _values(r: EntityRow) -> tuple[Any, ...]:
    # Spelt out rather than looped over _STAGE_COLUMNS: this runs for every row.
    return (r.source_key, r.kind, r.name, r.country, r.jurisdiction, r.legal_form,
            r.founding_date, r.dissolution_date, r.birth_date, _json(r.nationalities),
            _json(r.addresses), _json(r.data), _json(r.restricted), r.statement_id,
            r.valid_from, r.is_closed, r.retrieved_at)


# Transaction-local: the children written between the two are of entities whose own rows
# this transaction has just inserted or updated, so the outbox has them (migration 0018).
_ENTITIES_QUEUED = "SELECT set_config('registry.entities_queued', $1, true)"


async def _replace_children(session: AsyncSession, driver: Any,
                            rows: dict[int, EntityRow], fresh: set[int] | None = None) -> None:
    """Replace the names and identifiers of ``rows``: entities that this transaction has
    just inserted or updated (none other: their outbox rows are taken for granted)."""
    await driver.execute(_ENTITIES_QUEUED, "on")
    try:
        await _write_children(session, driver, rows, fresh)
    except BaseException:
        # Whatever the caller does with the error, the setting must not outlive these
        # writes (in a failed transaction this fails too, and the rollback resets it).
        with contextlib.suppress(Exception):
            await driver.execute(_ENTITIES_QUEUED, "off")
        raise
    await driver.execute(_ENTITIES_QUEUED, "off")


async def _write_children(session: AsyncSession, driver: Any,
                          rows: dict[int, EntityRow], fresh: set[int] | None) -> None:
    entity_ids = [i for i in rows if i not in (fresh or set())]  # new rows have no children
    if entity_ids:
        await session.execute(text("DELETE FROM entity_names WHERE entity_id = ANY(:ids)"),
                              {"ids": entity_ids})
        await session.execute(
            text("DELETE FROM entity_identifiers WHERE entity_id = ANY(:ids)"),
            {"ids": entity_ids})
    names: list[tuple[int, str, str, str, dt.date | None, dt.date | None]] = []
    identifiers: list[tuple[int, str, str, str]] = []
    for entity_id, row in rows.items():
        encoded = encode_entity(row)
        names.extend((entity_id, *n) for n in encoded.names)
        identifiers.extend((entity_id, *i) for i in encoded.identifiers)
    if names:
        await driver.copy_records_to_table(
            "entity_names", records=names,
            columns=["entity_id", "name", "type", "normalized", "valid_from", "valid_to"])
    if identifiers:
        await driver.copy_records_to_table(
            "entity_identifiers", records=identifiers,
            columns=["entity_id", "scheme", "value", "normalized"])
