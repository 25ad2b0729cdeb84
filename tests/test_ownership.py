"""Ownership chains as of a date: the service and the owners/owned/graph endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.models import Entity
from registry.ownership import service as ownership_service
from registry.ownership.service import Owner, chains_as_of, owners_as_of, summarise
from registry.ownership.shares import ShareRange
from tests.bods_support import write_json
from tests.ownership_support import co, holds, stmt

Client = AsyncTestClient[Litestar]


async def _id(session: AsyncSession, key: str) -> int:
    return int((await session.scalars(select(Entity.id).where(Entity.source_key == key))).one())


def _exact(owner: Owner) -> Decimal | None:
    return owner.share.exact if owner.share is not None else None


def test_share_arithmetic() -> None:
    d = Decimal
    band = ShareRange(d(50), d(75), exclusive_min=True)
    product = ShareRange(d(75), d(75)).times(band)
    assert (product.min, product.max, product.exclusive_min, product.exclusive_max) == (
        d("37.5"), d("56.25"), True, False)
    summed = ShareRange(d(60), d(60)).plus(ShareRange(d(25), d(50), True, False))
    assert (summed.min, summed.max, summed.exclusive_min) == (d(85), d(100), True)
    assert ShareRange(d(10), d(10)).exact == d(10) and band.exact is None


async def test_demo_two_level_chain(demo: Any, session: AsyncSession) -> None:
    construction = await _id(session, "GB-COH-01234567")
    holdings = await _id(session, "GB-COH-07654321")
    john = await _id(session, "person-john-smith-1968")
    paths = await owners_as_of(session, construction, dt.date(2024, 6, 1), 10)
    by_owner = {p.entity_id: p for p in paths}
    assert set(by_owner) >= {holdings, john}
    john_path = by_owner[john]
    assert [h.subject_id for h in john_path.hops] == [construction, holdings]
    assert john_path.hops[-1].party_id == john
    assert john_path.share is not None
    assert (john_path.share.min, john_path.share.max) == (Decimal("37.5"), Decimal("56.25"))
    assert john_path.share.exclusive_min and not john_path.share.exclusive_max
    # Before the relationships started, nobody is known to own it.
    assert await owners_as_of(session, construction, dt.date(2018, 6, 1), 10) == []


async def test_owners_endpoint(demo: Any, session: AsyncSession, client: Client) -> None:
    construction = await _id(session, "GB-COH-01234567")
    r = await client.get(f"/api/v1/entities/{construction}/owners",
                         params={"as_of": "2024-06-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entity"]["id"] == construction and body["as_of"] == "2024-06-01"
    owners = {o["entity"]["name"]: o for o in body["items"]}
    john = owners["John Andrew Smith"]
    assert john["share"] == {"min": 37.5, "max": 56.25, "exclusive_min": True}
    assert not john["direct"] and john["ultimate"]
    assert [h["subject"]["name"] for h in john["paths"][0]["hops"]] == [
        "Acme Construction Limited", "Acme Holdings Ltd"]
    holdings = owners["Acme Holdings Ltd"]
    assert holdings["direct"] and not holdings["ultimate"]
    for entity in [o["entity"] for o in body["items"]]:
        assert {"id", "kind", "name", "dataset", "keys"} <= set(entity)
    assert "restricted" not in r.text and "3 Elm Close" not in r.text
    assert "1968-04-17" not in r.text

    owned = await client.get(f"/api/v1/entities/{john['entity']['id']}/owned",
                             params={"as_of": "2024-06-01"})
    assert owned.status_code == 200
    held = {o["entity"]["name"]: o["share"] for o in owned.json()["items"]}
    assert held["Acme Holdings Ltd"]["exact"] == 75
    assert held["Acme Construction Limited"]["max"] == 56.25

    graph = await client.get(f"/api/v1/entities/{construction}/graph",
                             params={"depth": 1, "as_of": "2024-06-01"})
    assert graph.status_code == 200
    g = graph.json()
    assert {n["name"] for n in g["nodes"]} == {"Acme Construction Limited", "Acme Holdings Ltd"}
    assert len(g["edges"]) == 1

    missing = await client.get("/api/v1/entities/999999/owners")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad = await client.get(f"/api/v1/entities/{construction}/owners",
                           params={"as_of": "June"})
    assert bad.status_code == 400 and "as_of" in bad.text
    deep = await client.get(f"/api/v1/entities/{construction}/owners",
                            params={"max_depth": 99})
    assert deep.status_code == 400 and "max_depth" in deep.text


async def test_diamond_cycle_dates_and_unspecified(database_url: str, session: AsyncSession,
                                                   client: Client, tmp_path: Path) -> None:
    person = {"isComponent": False, "personType": "knownPerson",
              "names": [{"type": "legal", "fullName": "Pat Owner"}]}
    statements = [
        stmt("a", "A", "entity", co("A Ltd")), stmt("b", "B", "entity", co("B Ltd")),
        stmt("c", "C", "entity", co("C Ltd")), stmt("p", "P", "person", person),
        # P owns 50% of B and 100% of C; B owns 40% of A, C owns 60% of A: P has 80% of A.
        stmt("r1", "B-A", "relationship", holds("A", "B", {"exact": 40})),
        stmt("r2", "C-A", "relationship", holds("A", "C", {"exact": 60})),
        stmt("r3", "P-B", "relationship", holds("B", "P", {"exact": 50})),
        stmt("r4", "P-C", "relationship", holds("C", "P", {"exact": 100},
                                               startDate="2021-01-01")),
        # A owns 10% of B: a cycle A -> B -> A.
        stmt("r5", "A-B", "relationship", holds("B", "A", {"exact": 10})),
        # An undisclosed owner of C.
        stmt("r6", "U-C", "relationship", holds(
            "C", {"reason": "interestedPartyExemptFromDisclosure", "description": "listed"},
            None)),
        # P's stake in B is sold in 2023: the record is closed.
        stmt("r7", "P-B", "relationship", holds("B", "P", {"exact": 50}), "2023-03-01",
           "closed"),
    ]
    await import_bods(database_url, [str(write_json(tmp_path / "d.json", statements))])
    a, b, p = [await _id(session, k) for k in ("A", "B", "P")]

    chains = await chains_as_of(session, a, dt.date(2022, 1, 1))
    owners = {o.entity_id: o for o in summarise(chains)}
    assert _exact(owners[p]) == Decimal(80)
    assert len(owners[p].paths) == 2 and not owners[p].direct
    assert [sorted(c) for c in chains.cycles] == [sorted([a, b, a])]
    assert a not in owners
    assert [u.reason for u in chains.unspecified] == ["interestedPartyExemptFromDisclosure"]

    before = {o.entity_id: o for o in summarise(await chains_as_of(session, a,
                                                                   dt.date(2020, 6, 1)))}
    assert _exact(before[p]) == Decimal(20)
    after = {o.entity_id: o for o in summarise(await chains_as_of(session, a,
                                                                  dt.date(2024, 1, 1)))}
    assert _exact(after[p]) == Decimal(60)

    body = (await client.get(f"/api/v1/entities/{a}/owners",
                             params={"as_of": "2022-01-01"})).json()
    assert [[e["name"] for e in c] for c in body["cycles"]] == [["A Ltd", "B Ltd", "A Ltd"]]
    assert [(u["reason"], u["subject"]["name"]) for u in body["unspecified"]] == [
        ("interestedPartyExemptFromDisclosure", "C Ltd")]
    pat = next(o for o in body["items"] if o["entity"]["name"] == "Pat Owner")
    assert pat["share"]["exact"] == 80 and len(pat["paths"]) == 2

    limited = await chains_as_of(session, a, dt.date(2022, 1, 1), max_depth=1)
    assert limited.truncated and {x.entity_id for x in limited.paths} == {
        await _id(session, "B"), await _id(session, "C")}


async def test_a_nominee_with_many_holdings_is_read_within_a_budget(
        database_url: str, session: AsyncSession, client: Client, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths and nodes were bounded, edges were not: one owner of many companies was read
    whole before the first path was cut."""
    nominee = {"isComponent": False, "personType": "knownPerson",
               "names": [{"type": "legal", "fullName": "Nominee Director"}]}
    statements = [stmt("n", "nominee", "person", nominee)]
    for n in range(30):
        statements += [stmt(f"c{n}", f"c{n}", "entity", co(f"Shell {n} Ltd")),
                       stmt(f"r{n}", f"r{n}", "relationship",
                          holds(f"c{n}", "nominee", {"exact": 100}))]
    result = await import_bods(database_url, [str(write_json(tmp_path / "n.json", statements))])
    assert result.summary.skipped == 0
    nominee_id = await _id(session, "nominee")
    whole = (await client.get(f"/api/v1/entities/{nominee_id}/owned")).json()
    assert len(whole["items"]) == 30 and not whole["truncated"]
    monkeypatch.setattr(ownership_service, "MAX_EDGES", 10)
    # The whole answer is stored (registry/http_cache.py) and no data changed: forget it, as
    # a server started with the smaller budget would not have it.
    client.app.state.http_cache.discard((f"/api/v1/entities/{nominee_id}/owned", b""))
    cut = (await client.get(f"/api/v1/entities/{nominee_id}/owned")).json()
    assert cut["truncated"] and 0 < len(cut["items"]) < 10
    graph = (await client.get(f"/api/v1/entities/{nominee_id}/graph")).json()
    assert graph["truncated"] and len(graph["edges"]) <= 10
