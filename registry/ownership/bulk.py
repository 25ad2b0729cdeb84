"""Writing relationship versions and their interests at ``COPY`` speed.

Every statement about a relationship record is one row of ``relationships``: ids are taken
from the sequence in one round trip, rows and interests go in with two ``COPY``s, then the
versions of the records touched are re-chained in order of ``valid_from`` (then insertion):
each version's ``valid_to`` is the next one's ``valid_from``, and only the last is current.
Re-chaining (rather than "close the current row, add the new one") keeps the history right
when statements arrive out of order. Parties are stored by source key too; a party imported
later is filled in by :func:`resolve_parties`. All of it runs in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.driver import session_driver
from registry.db.ids import take_ids


@dataclass(slots=True)
class InterestRow:
    type: str  # BODS interestType; "" when the source gives none
    direct_or_indirect: str | None = None
    beneficial: bool | None = None
    share_exact: Decimal | None = None
    share_min: Decimal | None = None
    share_max: Decimal | None = None
    share_exclusive_min: bool = False
    share_exclusive_max: bool = False
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    details: str | None = None


@dataclass(slots=True)
class RelationshipRow:
    source_key: str  # the relationship's record key (BODS recordId)
    statement_id: str  # this version
    subject_key: str | None
    interested_party_key: str | None
    subject_unspecified: dict[str, Any] | None = None
    interested_unspecified: dict[str, Any] | None = None
    component_keys: list[str] = field(default_factory=list)
    is_component: bool = False
    valid_from: dt.datetime | None = None
    is_closed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    retrieved_at: dt.datetime | None = None
    interests: list[InterestRow] = field(default_factory=list)
    # Filled by encode_relationship(); the row must not change afterwards.
    encoded: EncodedRelationship | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class EncodedRelationship:
    """A relationship row as it is copied, JSON as text: what is known before the ids."""

    json: tuple[str | None, str | None, str | None, str | None]  # the four JSON columns
    interests: list[tuple[Any, ...]]  # _INTEREST_COLUMNS without relationship_id


def encode_relationship(row: RelationshipRow) -> EncodedRelationship:
    """Encode a row once (kept on it); see ``registry.entities.bulk.encode_entity``."""
    if row.encoded is None:
        row.encoded = EncodedRelationship(
            (_json(row.subject_unspecified), _json(row.interested_unspecified),
             _json(row.component_keys), _json(row.data)),
            [(i.type, i.direct_or_indirect, i.beneficial, i.share_exact, i.share_min,
              i.share_max, i.share_exclusive_min, i.share_exclusive_max, i.start_date,
              i.end_date, i.details) for i in row.interests])
    return row.encoded


_REL_COLUMNS = [
    "id", "dataset", "source_key", "subject_id", "interested_party_id", "subject_key",
    "interested_party_key", "subject_unspecified", "interested_unspecified", "component_keys",
    "is_component", "statement_id", "valid_from", "valid_to", "is_current", "is_closed", "data",
    "retrieved_at", "import_run_id",
]
_INTEREST_COLUMNS = [
    "relationship_id", "type", "direct_or_indirect", "beneficial_ownership_or_control",
    "share_exact", "share_min", "share_max", "share_exclusive_min", "share_exclusive_max",
    "start_date", "end_date", "details",
]

_RECHAIN = """
WITH ordered AS (
    SELECT id,
           lead(valid_from) OVER w AS next_from,
           lead(id) OVER w IS NULL AS latest
    FROM relationships
    WHERE dataset = :dataset AND source_key = ANY(:keys)
    WINDOW w AS (PARTITION BY source_key ORDER BY valid_from ASC NULLS FIRST, id ASC)
)
UPDATE relationships r SET is_current = o.latest, valid_to = o.next_from
FROM ordered o
WHERE r.id = o.id AND o.latest = :latest
  AND (r.is_current IS DISTINCT FROM o.latest OR r.valid_to IS DISTINCT FROM o.next_from)
"""


def _json(value: Any) -> str | None:
    if value is None:
        return None
    try:  # msgspec is several times faster than json.dumps on large batches
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return json.dumps(value, ensure_ascii=False, default=str)


async def write_relationships(session: AsyncSession, dataset: str, run_id: int | None,
                              rows: Sequence[RelationshipRow], entity_ids: dict[str, int],
                              new_keys: set[str] | None = None) -> int:
    """Add one version row per given statement (the caller passes only statements not
    stored before). ``entity_ids`` maps party source keys to entity ids where known; the
    rest are looked up. ``new_keys`` are record keys with no row stored before: one that
    has a single version here is simply current, without re-chaining (the common case of
    a first import). Returns how many rows still miss a party (to resolve later)."""
    if not rows:
        return 0
    counts = Counter(r.source_key for r in rows)
    simple = {k for k in (new_keys or ()) if counts[k] == 1}
    wanted = {k for r in rows for k in (r.subject_key, r.interested_party_key)
              if k is not None and k not in entity_ids}
    ids = dict(entity_ids)
    if wanted:
        found = await session.execute(
            text("SELECT source_key, id FROM entities WHERE dataset = :d AND source_key = ANY(:k)"),
            {"d": dataset, "k": list(wanted)})
        ids.update({r.source_key: r.id for r in found})
    driver = await session_driver(session)
    new_ids = await take_ids(driver, "relationships", len(rows))
    records: list[tuple[Any, ...]] = []
    interests: list[tuple[Any, ...]] = []
    dangling = 0
    for rel_id, r in zip(new_ids, rows, strict=True):
        subject_id = ids.get(r.subject_key) if r.subject_key else None
        party_id = ids.get(r.interested_party_key) if r.interested_party_key else None
        if (r.subject_key and subject_id is None) or (r.interested_party_key
                                                      and party_id is None):
            dangling += 1
        encoded = encode_relationship(r)
        subject_unspecified, interested_unspecified, component_keys, data = encoded.json
        records.append((
            rel_id, dataset, r.source_key, subject_id, party_id, r.subject_key,
            r.interested_party_key, subject_unspecified, interested_unspecified,
            component_keys, r.is_component, r.statement_id, r.valid_from, None,
            r.source_key in simple, r.is_closed, data, r.retrieved_at, run_id,
        ))
        interests.extend((rel_id, *i) for i in encoded.interests)
    await driver.copy_records_to_table("relationships", records=records, columns=_REL_COLUMNS)
    if interests:
        await driver.copy_records_to_table("interests", records=interests,
                                           columns=_INTEREST_COLUMNS)
    keys = [k for k in counts if k not in simple]
    if not keys:
        return dangling
    # Two passes: first retire the versions that are no longer the latest, then mark the
    # latest, so the partial unique index on current rows never sees two at once.
    for latest in (False, True):
        await session.execute(text(_RECHAIN), {"dataset": dataset, "keys": keys,
                                               "latest": latest})
    return dangling


async def resolve_parties(session: AsyncSession, dataset: str) -> int:
    """Fill in party ids named by key before their entity was imported; returns how many
    relationship rows still name a party that is not there."""
    for id_col, key_col in (("subject_id", "subject_key"),
                            ("interested_party_id", "interested_party_key")):
        await session.execute(text(f"""
            UPDATE relationships r SET {id_col} = e.id
            FROM entities e
            WHERE r.dataset = :d AND r.{id_col} IS NULL AND r.{key_col} IS NOT NULL
              AND e.dataset = :d AND e.source_key = r.{key_col}"""), {"d": dataset})
    left = await session.scalar(text("""
        SELECT count(*) FROM relationships
        WHERE dataset = :d AND ((subject_id IS NULL AND subject_key IS NOT NULL)
           OR (interested_party_id IS NULL AND interested_party_key IS NOT NULL))"""),
        {"d": dataset})
    return int(left or 0)
