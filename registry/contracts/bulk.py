"""Writing compiled contracting processes at ``COPY`` speed.

New contracts are copied straight into ``contracts``; the others into a session-local
staging table, merged with one ``INSERT ... ON CONFLICT (dataset, ocid)``; the children of the
merged contracts (parties, awards with their suppliers, signed contracts) are replaced, also
by ``COPY``. Award ids are taken from their sequence up front so that award suppliers can be
copied in the same pass. Everything runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
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
class AwardRow:
    award_id: str
    title: str | None = None
    status: str | None = None
    date: dt.datetime | None = None
    value_amount: Decimal | None = None
    value_currency: str | None = None
    supplier_keys: list[str] = field(default_factory=list)  # entity source keys


@dataclass(slots=True)
class AgreementRow:
    agreement_id: str
    award_id: str | None = None
    title: str | None = None
    status: str | None = None
    date_signed: dt.datetime | None = None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    value_amount: Decimal | None = None
    value_currency: str | None = None


@dataclass(slots=True)
class ContractRow:
    ocid: str
    compiled: dict[str, Any]
    release_count: int
    title: str | None = None
    description: str | None = None
    status: str | None = None
    date: dt.datetime | None = None
    value_amount: Decimal | None = None
    value_currency: str | None = None
    buyer_key: str | None = None  # entity source key
    parties: list[tuple[str, str, str]] = field(default_factory=list)  # (key, party id, role)
    awards: list[AwardRow] = field(default_factory=list)
    agreements: list[AgreementRow] = field(default_factory=list)


_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS _stage_contracts (
    ocid text, title text, description text, status text, buyer_id bigint,
    value_amount numeric, value_currency text, date timestamptz, compiled jsonb,
    release_count integer
) ON COMMIT DELETE ROWS
"""
_COLUMNS = ("ocid", "title", "description", "status", "buyer_id", "value_amount",
            "value_currency", "date", "compiled", "release_count")
_MERGE = f"""
INSERT INTO contracts (dataset, import_run_id, {", ".join(_COLUMNS)})
SELECT :dataset, :run_id, {", ".join(_COLUMNS)} FROM _stage_contracts
ON CONFLICT (dataset, ocid) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "ocid")},
    import_run_id = EXCLUDED.import_run_id, updated_at = now()
RETURNING id, ocid, (xmax = 0) AS inserted
"""


async def write_contracts(session: AsyncSession, dataset: str, run_id: int | None,
                          rows: Sequence[ContractRow],
                          entity_ids: dict[str, int]) -> dict[str, int]:
    """Insert or replace these contracts; returns ocid -> contract id.

    ``entity_ids`` maps the entity source keys the rows refer to onto entity ids; a party
    whose key is missing there is left out rather than failing the batch.
    """
    if not rows:
        return {}
    driver = await session_driver(session)
    encode = msgspec.json.encode

    def values(r: ContractRow) -> tuple[Any, ...]:
        return (r.ocid, r.title, r.description, r.status, entity_ids.get(r.buyer_key or ""),
                r.value_amount, r.value_currency, r.date, encode(r.compiled).decode(),
                r.release_count)

    # Processes not stored yet (all of a first import) are copied straight into the table
    # with ids from its sequence, as entities/bulk.py does; only the others go through the
    # staging merge. Writers of one dataset serialise their batches, so no one else adds
    # these ocids meanwhile (if one did, the batch would fail on the unique key, not
    # write twice).
    stored = {rec[0] for rec in await driver.fetch(
        "SELECT ocid FROM contracts WHERE dataset = $1 AND ocid = ANY($2::text[])",
        dataset, [r.ocid for r in rows])}
    fresh = [r for r in rows if r.ocid not in stored]
    ids: dict[str, int] = {}
    if fresh:
        new_ids = [rec[0] for rec in await driver.fetch(
            "SELECT nextval(pg_get_serial_sequence('contracts', 'id')) "
            "FROM generate_series(1, $1)", len(fresh))]
        await driver.copy_records_to_table(
            "contracts", columns=["id", "dataset", "import_run_id", *_COLUMNS],
            records=[(i, dataset, run_id, *values(r))
                     for i, r in zip(new_ids, fresh, strict=True)])
        ids.update({r.ocid: i for i, r in zip(new_ids, fresh, strict=True)})
    replaced: list[int] = []
    if stored:
        await session.execute(text(_STAGE))
        await session.execute(text("TRUNCATE _stage_contracts"))
        await driver.copy_records_to_table(
            "_stage_contracts", columns=list(_COLUMNS),
            records=[values(r) for r in rows if r.ocid in stored])
        merged = (await session.execute(text(_MERGE),
                                        {"dataset": dataset, "run_id": run_id})).all()
        ids.update({m.ocid: m.id for m in merged})
        # Replace the children of the contracts that existed; award suppliers go with
        # their awards (ON DELETE CASCADE).
        replaced = [m.id for m in merged if not m.inserted]
    if replaced:
        for table in ("contract_parties", "awards", "contract_agreements"):
            await session.execute(text(f"DELETE FROM {table} WHERE contract_id = ANY(:ids)"),
                                  {"ids": replaced})

    n_awards = sum(len(r.awards) for r in rows)
    award_ids: list[int] = []
    if n_awards:
        award_ids = await take_ids(driver, "awards", n_awards)
    parties: list[tuple[int, int, str, str]] = []
    awards: list[tuple[Any, ...]] = []
    suppliers: list[tuple[int, int]] = []
    agreements: list[tuple[Any, ...]] = []
    next_award = iter(award_ids)
    for r in rows:
        cid = ids[r.ocid]
        for key, party_id, role in dict.fromkeys(r.parties):
            if key in entity_ids:
                parties.append((cid, entity_ids[key], party_id, role))
        for a in r.awards:
            aid = next(next_award)
            awards.append((aid, cid, a.award_id, a.title, a.status, a.date, a.value_amount,
                           a.value_currency))
            suppliers.extend((aid, entity_ids[k]) for k in dict.fromkeys(a.supplier_keys)
                             if k in entity_ids)
        agreements.extend(
            (cid, g.agreement_id, g.award_id, g.title, g.status, g.date_signed, g.period_start,
             g.period_end, g.value_amount, g.value_currency) for g in r.agreements)
    if parties:
        await driver.copy_records_to_table(
            "contract_parties", records=parties,
            columns=["contract_id", "entity_id", "party_id", "role"])
    if awards:
        await driver.copy_records_to_table(
            "awards", records=awards,
            columns=["id", "contract_id", "award_id", "title", "status", "date", "value_amount",
                     "value_currency"])
    if suppliers:
        await driver.copy_records_to_table("award_suppliers", records=suppliers,
                                           columns=["award_id", "entity_id"])
    if agreements:
        await driver.copy_records_to_table(
            "contract_agreements", records=agreements,
            columns=["contract_id", "agreement_id", "award_id", "title", "status", "date_signed",
                     "period_start", "period_end", "value_amount", "value_currency"])
    return ids
