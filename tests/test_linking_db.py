"""Linking against a real database: the demo data, decisions, the API, the export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.write import make_identifier
from registry.links import service
from registry.links.export import export_links
from registry.links.jobs import run_linking
from registry.links.writer import link_entities
from registry.models import AuditLog, Entity, Link
from registry.settings import Settings
from search.blocking import BlockingCandidates
from search.linking import probe_ids
from tests.lobbying_support import account

Client = AsyncTestClient[Litestar]


async def ids_by_key(session: AsyncSession) -> dict[str, int]:
    return {k: i for k, i in (await session.execute(select(Entity.source_key, Entity.id)))}


async def run_linker(session: AsyncSession) -> None:
    await link_entities(session, BlockingCandidates(session), await probe_ids(session))
    await session.commit()


async def link_between(session: AsyncSession, a: int, b: int) -> Link | None:
    link: Link | None = await session.scalar(
        select(Link).where(Link.left_id == min(a, b), Link.right_id == max(a, b)))
    return link


async def test_demo_suppliers_link_to_their_companies(session: AsyncSession,
                                                      demo: dict[str, Any]) -> None:
    await run_linker(session)
    ids = await ids_by_key(session)
    expected = [
        ("ocds-demo-0001/GB-COH-1234567", "GB-COH-01234567", "identifier"),
        ("ocds-demo-0002/UA-EDR-34567890", "UA-EDR-34567890", "identifier"),
        ("ocds-demo-0003/mueller", "DE-CR-HRB-12345-B", "name"),
        ("R000001/client/1", "GB-COH-07654321", "name"),
    ]
    for left, right, method in expected:
        link = await link_between(session, ids[left], ids[right])
        assert link is not None, (left, right)
        assert (link.status, link.method) == ("auto", method), (left, right)
        assert link.evidence["features"] and link.matcher_version
    namesake = await link_between(session, ids["R000001/lobbyist/1"],
                                  ids["person-john-smith-1968"])
    assert namesake is None or namesake.status == "candidate"
    sister = await link_between(session, ids["R000001/client/1"], ids["GB-COH-01234567"])
    assert sister is None or sister.status != "auto"


async def test_decisions_survive_reruns_and_rejected_pairs_stay_rejected(
        session: AsyncSession, demo: dict[str, Any]) -> None:
    await run_linker(session)
    ids = await ids_by_key(session)
    mueller = await link_between(session, ids["ocds-demo-0003/mueller"],
                                 ids["DE-CR-HRB-12345-B"])
    acme = await link_between(session, ids["R000001/client/1"], ids["GB-COH-07654321"])
    assert mueller is not None and acme is not None
    mueller_id, acme_id = mueller.id, acme.id
    await service.decide(session, mueller.id, decision="rejected", comment="different firm",
                         user_id=None, actor="test")
    await service.decide(session, acme.id, decision="confirmed", comment="checked register",
                         user_id=None, actor="test")
    await session.commit()
    count = await session.scalar(select(func.count()).select_from(Link))
    await run_linker(session)
    await run_linker(session)
    session.expire_all()
    assert await session.scalar(select(func.count()).select_from(Link)) == count
    mueller2 = await session.get(Link, mueller_id)
    acme2 = await session.get(Link, acme_id)
    assert mueller2 is not None and mueller2.status == "rejected"
    assert mueller2.comment == "different firm"
    assert acme2 is not None and acme2.status == "confirmed"
    audit = (await session.scalars(select(AuditLog.action).where(
        AuditLog.object_type == "link"))).all()
    assert sorted(audit) == ["link.confirmed", "link.rejected"]


async def test_stale_machine_links_are_removed(session: AsyncSession,
                                               demo: dict[str, Any]) -> None:
    await run_linker(session)
    ids = await ids_by_key(session)
    # A link the matcher would never make: it is re-scored and dropped on the next run.
    pair = sorted((ids["ocds-demo-0003/mueller"], ids["GB-COH-07654321"]))
    session.add(Link(left_id=pair[0], right_id=pair[1], score=0.95, status="auto",
                     method="name", evidence={}, matcher_version="old"))
    await session.commit()
    await run_linker(session)
    assert await link_between(session, *pair) is None


async def test_linked_entities_walks_auto_and_confirmed_links(
        session: AsyncSession, demo: dict[str, Any]) -> None:
    await run_linker(session)
    ids = await ids_by_key(session)
    supplier = ids["ocds-demo-0001/GB-COH-1234567"]
    cluster = dict(await service.linked_entities(session, supplier))
    assert cluster[supplier] == []
    hop = cluster[ids["GB-COH-01234567"]]
    assert len(hop) == 1 and hop[0].method == "identifier" and hop[0].evidence


async def test_links_api_public_and_review(client: Client, session: AsyncSession,
                                           demo: dict[str, Any]) -> None:
    await run_linker(session)
    r = await client.get("/api/v1/links", params={"limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["items"] and all(i["status"] in ("auto", "confirmed") for i in body["items"])
    item = body["items"][0]
    assert {"id", "kind", "name", "dataset", "keys"} <= set(item["left"])
    assert "comment" not in item and item["evidence"]["features"]
    seen = len(body["items"])
    while body["next"]:
        body = (await client.get("/api/v1/links", params={"cursor": body["next"]})).json()
        seen += len(body["items"])
    public = await session.scalar(select(func.count()).select_from(Link).where(
        Link.status.in_(("auto", "confirmed"))))
    assert seen == public
    r = await client.get("/api/v1/links", params={"status": "candidate"})
    assert r.status_code == 403 and r.json()["field"] == "status"
    r = await client.get("/api/v1/links", params={"status": "maybe"})
    assert r.status_code == 400 and r.json()["field"] == "status"


async def test_decision_endpoint_validates(client: Client, session: AsyncSession,
                                           settings: Settings, demo: dict[str, Any]) -> None:
    await run_linker(session)
    link_id = await session.scalar(select(Link.id).limit(1))
    url = f"/api/v1/links/{link_id}/decision"
    r = await client.post(url, json={"decision": "rejected", "comment": "x"})
    assert r.status_code == 401  # the guard: registrars only
    member = await account(session, settings, "lobbyist@example.org")
    r = await client.post(url, json={"decision": "rejected", "comment": "x"}, headers=member)
    assert r.status_code == 403
    client.headers.update(await account(session, settings, "registrar@example.org", "registrar"))
    r = await client.post(url, json={"decision": "confirmed", "comment": "  "})
    assert r.status_code == 422 and r.json()["field"] == "comment"
    r = await client.post(url, json={"decision": "maybe", "comment": "x"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/v1/links/999999/decision",
                          json={"decision": "rejected", "comment": "x"})
    assert r.status_code == 404
    r = await client.post(url, json={"decision": "rejected", "comment": "not the same"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"


async def test_match_speaks_yente(client: Client, demo: dict[str, Any]) -> None:
    r = await client.post("/api/v1/match", params={"limit": 3}, json={"queries": {
        "q1": {"schema": "Company", "properties": {
            "name": ["Acme Construction Ltd"], "country": ["gb"],
            "registrationNumber": ["1234567"]}},
        "q2": {"schema": "Company", "properties": {"name": ["Muller Bau"],
                                                     "jurisdiction": ["de"]}},
    }})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["limit"] == 3 and "name_ratio" in body["matcher"]
    top = body["responses"]["q1"]["results"][0]
    assert top["match"] is True and top["schema"] == "Company"
    assert top["caption"] in ("Acme Construction Limited", "ACME CONSTRUCTION LTD.")
    assert top["features"] and "explanations" in top and top["keys"]
    assert body["responses"]["q1"]["total"]["value"] >= 1
    names = [x["caption"] for x in body["responses"]["q2"]["results"]]
    assert "Müller Bau GmbH" in names
    r = await client.post("/api/v1/match", json={"queries": {
        "q": {"schema": "Vessel", "properties": {"name": ["x"]}}}})
    assert r.status_code == 422 and r.json()["field"] == "queries.q.schema"
    r = await client.post("/api/v1/match", json={"queries": {
        "q": {"schema": "Person", "properties": {}}}})
    assert r.status_code == 422 and r.json()["field"] == "queries.q.properties.name"


async def test_export_links(tmp_path: Path, session: AsyncSession,
                            demo: dict[str, Any]) -> None:
    await run_linker(session)
    out = tmp_path / "links.jsonl"
    counts = await export_links(session, out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == counts["links"] == await session.scalar(
        select(func.count()).select_from(Link))
    keys = {(x["left"]["keys"][0], x["right"]["keys"][0]) for x in lines}
    assert any({"ocds-demo-0001/GB-COH-1234567", "GB-COH-01234567"} == set(k) for k in keys)
    assert set(lines[0]) == {"left", "right", "score", "status", "evidence"}
    manifest = json.loads((tmp_path / "links.jsonl.manifest.json").read_text())
    assert manifest["counts"]["links"] == len(lines) and manifest["format"] == "links"


async def test_batches_in_flight_link_as_one_batch_does(database_url: str,
                                                       session: AsyncSession,
                                                       demo: dict[str, Any]) -> None:
    async def links() -> list[tuple[int, int, str, float]]:
        rows = await session.execute(select(Link.left_id, Link.right_id, Link.status,
                                            Link.score))
        return sorted((a, b, s, round(x, 6)) for a, b, s, x in rows)

    whole = await run_linking(database_url, None, batch=10_000, workers=1, progress=False)
    expected = await links()
    await session.execute(delete(Link))
    await session.commit()
    # Batches of two probes, two at a time: pairs meet across batches and transactions.
    split = await run_linking(database_url, None, batch=2, workers=2, progress=False)
    assert await links() == expected
    # One batch scores each pair once; split, a pair of two probes (a registrant's client and
    # a donor, say) is scored by the batch of each side: counted twice, written the same.
    assert whole.auto == sum(1 for *_, status, _ in expected if status == "auto")
    assert split.auto >= whole.auto and split.candidate >= whole.candidate
    assert expected and split.probes == whole.probes > 2


async def test_self_declared_identifiers_make_candidates(session: AsyncSession,
                                                         demo: dict[str, Any]) -> None:
    """A registrant's own entry declares a company number; anyone may type any number, so
    the equal identifier proposes a link for review and never makes one by itself."""
    ids = await ids_by_key(session)
    client = await session.get(Entity, ids["R000001/client/1"])
    assert client is not None and client.dataset == "register"
    identifier = make_identifier("GB-COH", "01234567")
    identifier.entity_id = client.id
    session.add(identifier)
    await session.commit()
    await run_linker(session)
    link = await link_between(session, ids["R000001/client/1"], ids["GB-COH-01234567"])
    assert link is not None and link.method == "identifier"
    assert link.status == "candidate"
    assert any("self-declared" in r for r in link.evidence["rules"])
    # The registry's own datasets still decide by identifier.
    supplier = await link_between(session, ids["ocds-demo-0001/GB-COH-1234567"],
                                  ids["GB-COH-01234567"])
    assert supplier is not None and supplier.status == "auto"
