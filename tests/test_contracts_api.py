"""``/api/v1/contracts``: listing with filters and cursors, and one process in full."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.ocds.importer import import_ocds
from registry.models import Contract, Entity

Client = AsyncTestClient[Litestar]
DATA = Path(__file__).parent / "data" / "ocds"


async def entity_id(session: AsyncSession, key: str) -> int:
    return (await session.scalars(select(Entity.id).where(Entity.source_key == key))).one()


async def ocids(client: Client, **params: Any) -> list[str]:
    r = await client.get("/api/v1/contracts", params=params)
    assert r.status_code == 200, r.text
    return [c["ocid"] for c in r.json()["items"]]


async def test_list_is_newest_first_and_pages_through_everything(
        client: Client, demo: dict[str, Any], database_url: str, session: AsyncSession) -> None:
    await import_ocds(database_url, [DATA / "release-package.json", DATA / "record-package.json"])
    dates = {o: d for o, d in (await session.execute(select(Contract.ocid, Contract.date)))}
    assert None not in dates.values()
    expected = sorted(dates, key=lambda o: str(dates[o]), reverse=True)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/contracts", params=params)).json()
        assert len(page["items"]) <= 2
        seen.extend(c["ocid"] for c in page["items"])
        cursor = page["next"]
        if not cursor:
            break
    assert seen == expected and len(seen) == 7


async def test_summary_carries_buyer_suppliers_and_value(client: Client,
                                                         demo: dict[str, Any]) -> None:
    items = (await client.get("/api/v1/contracts")).json()["items"]
    first = items[0]
    assert first["ocid"] == "ocds-demo-0003"
    assert first["value"] == {"amount": 920000, "currency": "EUR"}
    assert first["date"].startswith("2025-02-10")
    assert first["buyer"]["name"] == "Senatsverwaltung für Stadtentwicklung Berlin"
    assert first["buyer"]["kind"] == "public_body"
    assert [s["name"] for s in first["suppliers"]] == ["Mueller Bau"]
    for c in items:
        for e in [c["buyer"], *c["suppliers"]]:
            assert {"id", "kind", "name", "dataset", "keys"} <= e.keys()
            assert e["keys"] == [f"{c['ocid']}/{e['keys'][0].split('/', 1)[1]}"]
            assert "restricted" not in e


async def test_filters(client: Client, demo: dict[str, Any], session: AsyncSession) -> None:
    madrid = await entity_id(session, "ocds-demo-0001/ES-DIR3-L01280796")
    acme = await entity_id(session, "ocds-demo-0001/GB-COH-1234567")
    dnipro = await entity_id(session, "ocds-demo-0002/UA-EDR-34567890")
    assert await ocids(client, buyer=madrid) == ["ocds-demo-0001"]
    assert await ocids(client, supplier=acme) == ["ocds-demo-0001"]
    assert await ocids(client, supplier=dnipro) == ["ocds-demo-0002"]
    assert await ocids(client, buyer=madrid, supplier=dnipro) == []
    assert await ocids(client, date_from="2024-01-01") == ["ocds-demo-0003", "ocds-demo-0001"]
    assert await ocids(client, date_to="2024-03-20") == ["ocds-demo-0001", "ocds-demo-0002"]
    assert await ocids(client, date_from="2024-03-20", date_to="2024-03-20") == [
        "ocds-demo-0001"]
    assert await ocids(client, value_min=1_000_000) == ["ocds-demo-0001", "ocds-demo-0002"]
    assert await ocids(client, value_min=900_000, value_max=1_850_000) == [
        "ocds-demo-0003", "ocds-demo-0001"]
    assert await ocids(client, q="alcalá") == ["ocds-demo-0001"]
    assert await ocids(client, q="мосту".upper()) == ["ocds-demo-0002"]  # any case, any script
    assert await ocids(client, q="100%") == []  # LIKE wildcards are taken literally
    assert await ocids(client, dataset="nothing") == []


async def test_bad_filters_are_problems_naming_the_field(client: Client) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"date_from": "2024-02-01", "date_to": "2024-01-01"}, "date_from"),
        ({"value_min": 10, "value_max": 1}, "value_min"),
        ({"date_from": "last tuesday"}, "date_from"),
        ({"buyer": "madrid"}, "buyer"),
        ({"limit": 0}, "limit"),
        ({"cursor": "WyJub3QtYS1kYXRlIiwxXQ"}, "cursor"),  # a cursor with no date in it
    ]
    for params, field in cases:
        r = await client.get("/api/v1/contracts", params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == field, (params, r.json())


async def test_one_contract_with_parties_awards_and_contracts(client: Client,
                                                              demo: dict[str, Any]) -> None:
    r = await client.get("/api/v1/contracts/ocds-demo-0001")
    assert r.status_code == 200
    c = r.json()
    assert c["title"] == "Resurfacing of Calle de Alcalá" and c["status"] == "complete"
    assert c["release_count"] == 3
    parties = {p["party_id"]: p for p in c["parties"]}
    assert sorted(parties["GB-COH-1234567"]["roles"]) == ["supplier", "tenderer"]
    assert sorted(parties["ES-DIR3-L01280796"]["roles"]) == ["buyer", "procuringEntity"]
    acme = parties["GB-COH-1234567"]["entity"]
    assert acme["name"] == "ACME CONSTRUCTION LTD."
    assert [(i["scheme"], i["id"]) for i in acme["identifiers"]] == [("GB-COH", "1234567")]
    [award] = c["awards"]
    assert award["id"] == "A1" and award["date"].startswith("2024-03-15")
    assert award["value"] == {"amount": 1850000, "currency": "EUR"}
    assert [s["id"] for s in award["suppliers"]] == [acme["id"]]
    [signed] = c["contracts"]
    assert signed["award_id"] == "A1" and signed["date_signed"].startswith("2024-03-20")
    assert signed["period_end"].startswith("2024-09-30")
    assert c["compiled_release"]["ocid"] == "ocds-demo-0001"
    assert c["compiled_release"]["tag"] == ["compiled"]


async def test_unknown_and_ambiguous_ocids(client: Client, database_url: str) -> None:
    r = await client.get("/api/v1/contracts/ocds-nope")
    assert r.status_code == 404 and r.json()["field"] == "ocid"
    package = DATA / "release-package.json"
    await import_ocds(database_url, [package], dataset="one")
    await import_ocds(database_url, [package], dataset="two")
    r = await client.get("/api/v1/contracts/ocds-test-002")
    assert r.status_code == 409 and r.json()["field"] == "dataset"
    assert r.json()["datasets"] == ["one", "two"]
    r = await client.get("/api/v1/contracts/ocds-test-002", params={"dataset": "two"})
    assert r.status_code == 200 and r.json()["dataset"] == "two"
    assert r.json()["buyer"]["keys"] == ["ocds-test-002/UA-EDR-12345678"]
