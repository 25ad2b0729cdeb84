"""The references of the contract tables, kept by statement-level triggers (migration 0012)
instead of foreign keys: a row without its parent is refused whichever way it is written
(INSERT, COPY, UPDATE), and deleting parents deletes or clears what refers to them."""

from __future__ import annotations

from typing import Any

import pytest
from asyncpg.exceptions import ForeignKeyViolationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Dataset

MISSING = 10**12  # an id no row has


async def _driver(session: AsyncSession) -> Any:
    conn = await session.connection()
    return (await conn.get_raw_connection()).driver_connection


async def _setup(session: AsyncSession) -> dict[str, int]:
    """A contract with a buyer, a supplier, a party row, an award with its supplier and a
    signed contract."""
    session.add(Dataset(name="t", title="t", source="test"))
    await session.flush()
    ids: dict[str, int] = {}
    for key in ("buyer", "supplier"):
        ids[key] = int(await session.scalar(text(
            "INSERT INTO entities (dataset, source_key, kind, name) "
            "VALUES ('t', :k, 'company', :k) RETURNING id"), {"k": key}))
    ids["contract"] = int(await session.scalar(text(
        "INSERT INTO contracts (dataset, ocid, buyer_id) VALUES ('t', 'ocds-1', :b) "
        "RETURNING id"), {"b": ids["buyer"]}))
    await session.execute(text(
        "INSERT INTO contract_parties (contract_id, entity_id, party_id, role) "
        "VALUES (:c, :b, 'b', 'buyer'), (:c, :s, 's', 'supplier')"),
        {"c": ids["contract"], "b": ids["buyer"], "s": ids["supplier"]})
    ids["award"] = int(await session.scalar(text(
        "INSERT INTO awards (contract_id, award_id) VALUES (:c, 'a1') RETURNING id"),
        {"c": ids["contract"]}))
    await session.execute(text("INSERT INTO award_suppliers (award_id, entity_id) "
                               "VALUES (:a, :s)"), {"a": ids["award"], "s": ids["supplier"]})
    await session.execute(text("INSERT INTO contract_agreements (contract_id, agreement_id) "
                               "VALUES (:c, 'c1')"), {"c": ids["contract"]})
    return ids


async def _count(session: AsyncSession, table: str) -> int:
    return int(await session.scalar(text(f"SELECT count(*) FROM {table}")))


BAD_WRITES = [
    "INSERT INTO contract_parties (contract_id, entity_id, party_id, role) "
    "VALUES (:contract, :missing, 'x', 'buyer')",
    "INSERT INTO contract_parties (contract_id, entity_id, party_id, role) "
    "VALUES (:missing, :buyer, 'x', 'buyer')",
    "INSERT INTO awards (contract_id, award_id) VALUES (:missing, 'a2')",
    "INSERT INTO award_suppliers (award_id, entity_id) VALUES (:missing, :buyer)",
    "INSERT INTO award_suppliers (award_id, entity_id) VALUES (:award, :missing)",
    "INSERT INTO contract_agreements (contract_id, agreement_id) VALUES (:missing, 'c2')",
    "INSERT INTO contracts (dataset, ocid, buyer_id) VALUES ('t', 'ocds-2', :missing)",
    "UPDATE contracts SET buyer_id = :missing",
    "UPDATE award_suppliers SET entity_id = :missing",
]


@pytest.mark.parametrize("sql", BAD_WRITES)
async def test_a_row_without_its_parent_is_refused(session: AsyncSession, sql: str) -> None:
    ids = await _setup(session)
    await session.commit()
    with pytest.raises(DBAPIError) as caught:
        await session.execute(text(sql), {**ids, "missing": MISSING})
    assert isinstance(caught.value.orig.__cause__, ForeignKeyViolationError)  # type: ignore[union-attr]
    assert str(MISSING) in str(caught.value)


async def test_copy_is_checked_too(session: AsyncSession) -> None:
    ids = await _setup(session)
    driver = await _driver(session)
    good = (ids["contract"], ids["supplier"], "s2", "tenderer")
    await driver.copy_records_to_table("contract_parties", records=[good],
                                       columns=["contract_id", "entity_id", "party_id", "role"])
    with pytest.raises(ForeignKeyViolationError):
        await driver.copy_records_to_table(
            "contract_parties", records=[good, (ids["contract"], MISSING, "m", "buyer")],
            columns=["contract_id", "entity_id", "party_id", "role"])


async def test_deleting_a_contract_deletes_what_belongs_to_it(session: AsyncSession) -> None:
    ids = await _setup(session)
    await session.execute(text("DELETE FROM contracts WHERE id = :c"), {"c": ids["contract"]})
    for table in ("contract_parties", "awards", "award_suppliers", "contract_agreements"):
        assert await _count(session, table) == 0, table
    assert await _count(session, "entities") == 2


async def test_deleting_an_entity_removes_its_roles_and_clears_the_buyer(
        session: AsyncSession) -> None:
    ids = await _setup(session)
    await session.execute(text("DELETE FROM entities WHERE id = :b"), {"b": ids["buyer"]})
    assert await session.scalar(text("SELECT buyer_id FROM contracts")) is None
    assert (await session.execute(text("SELECT entity_id FROM contract_parties"))).scalars(
        ).all() == [ids["supplier"]]
    await session.execute(text("DELETE FROM entities WHERE id = :s"), {"s": ids["supplier"]})
    assert await _count(session, "contract_parties") == 0
    assert await _count(session, "award_suppliers") == 0
    assert await _count(session, "awards") == 1  # the award stays, without its supplier
