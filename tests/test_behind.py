"""``/contracts/{ocid}/behind`` on the demo, and linking as data arrives (after an import,
after an approval)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import registry.contracts.behind as behind_module
from importers.bods.importer import import_bods
from importers.ocds.importer import write_releases
from registry.cli import cli
from registry.demo.load import link_demo
from registry.entities.write import set_identifiers, set_names
from registry.links import service as links
from registry.links.jobs import run_linking
from registry.models import (
    Client,
    Dataset,
    Entity,
    ImportRun,
    Link,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
)
from registry.settings import Settings
from tests.lobbying_support import account, entry, publish

HttpClient = AsyncTestClient[Litestar]
BEHIND = "/api/v1/contracts/ocds-demo-0001/behind"


async def ids_by_key(session: AsyncSession) -> dict[str, int]:
    return {k: i for k, i in await session.execute(select(Entity.source_key, Entity.id))}


async def link_between(session: AsyncSession, a: int, b: int) -> Link | None:
    link: Link | None = await session.scalar(
        select(Link).where(Link.left_id == min(a, b), Link.right_id == max(a, b)))
    return link


@pytest.fixture
async def linked(database_url: str, demo: dict[str, Any]) -> dict[str, Any]:
    """The demo, linked the way ``registry serve --demo`` links it."""
    stats = await link_demo(database_url)
    assert stats.auto >= 4
    return demo


def all_link_hops(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for s in body["suppliers"]:
        for c in s["companies"]:
            yield from c["hops"]
        for lob in s["lobbying"]:
            yield from lob["hops"]
        for m in s["meetings"]:
            yield from m["institution_hops"]
    for b in body["buyer_links"]:
        yield from b["hops"]


async def behind(client: HttpClient, ocid: str = "ocds-demo-0001",
                 **params: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/contracts/{ocid}/behind", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_demo_story(client: HttpClient, linked: dict[str, Any]) -> None:
    r = await client.get(BEHIND)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["contract"]["ocid"] == "ocds-demo-0001"
    assert body["contract"]["buyer"]["name"] == "Ayuntamiento de Madrid"
    [s] = body["suppliers"]
    assert (s["award_id"], s["as_of"], s["meetings_from"]) == ("A1", "2024-03-15", "2023-03-15")
    assert s["supplier"]["name"] == "ACME CONSTRUCTION LTD."

    # The supplier is Acme Construction Limited of the ownership register, by identifier.
    [company] = s["companies"]
    assert company["entity"]["name"] == "Acme Construction Limited"
    assert company["entity"]["keys"] == ["GB-COH-01234567"]
    [hop] = company["hops"]
    assert hop["method"] == "identifier" and hop["status"] == "auto"
    assert hop["from"]["id"] == s["supplier"]["id"] and hop["to"]["id"] == company["entity"]["id"]

    # Its owners on the award date, through the chain.
    owners = {o["entity"]["name"]: o for o in s["owners"]}
    assert {"Acme Holdings Ltd", "John Andrew Smith"} <= set(owners)
    smith = owners["John Andrew Smith"]
    assert smith["via_company"]["name"] == "Acme Construction Limited"
    assert smith["effective_share"]["min"] == 37.5 and smith["effective_share"]["max"] == 56.25
    [chain] = smith["chains"]
    assert [h["interested_party"]["name"] for h in chain["hops"]] == [
        "Acme Holdings Ltd", "John Andrew Smith"]
    assert all(h["relationship_id"] and h["interests"] for h in chain["hops"])
    assert not owners["Acme Holdings Ltd"]["ultimate"] and smith["ultimate"]

    # The holding company is a client of a consultancy in the lobbying register.
    [lobby] = s["lobbying"]
    assert lobby["role"] == "client" and lobby["entity"]["name"] == "ACME Holdings Limited"
    assert lobby["registrant"] == {"id": lobby["registrant"]["id"],
                                   "name": "Acme Public Affairs S.L.",
                                   "registration_number": "R000001"}
    assert lobby["via"]["name"] == "Acme Holdings Ltd"
    assert [h["method"] for h in lobby["hops"]] == ["name"]

    # ... which met the buyer's councillor half a year before the award.
    [meeting] = s["meetings"]
    assert meeting["meeting"]["date"] == "2023-09-12"
    assert [o["name"] for o in meeting["meeting"]["officials"]] == ["Carmen Delgado"]
    assert meeting["meeting"]["institution"]["id"] == body["contract"]["buyer"]["id"]
    assert meeting["institution_hops"] == []  # the buyer itself
    assert meeting["meeting"]["registrant"]["registration_number"] == "R000001"
    assert [(w["role"], w["entity"]["name"], w["via"]["name"]) for w in meeting["why"]] == [
        ("client", "ACME Holdings Limited", "Acme Holdings Ltd")]

    hops = list(all_link_hops(body))
    assert hops and all(h["evidence"].get("features") and h["score"] > 0 for h in hops)
    assert all(h["status"] in ("auto", "confirmed") for h in hops)
    # What a source restricts never leaves the registry.
    assert "Elm Close" not in r.text and "1968-04-17" not in r.text


async def test_behind_errors(client: HttpClient, linked: dict[str, Any]) -> None:
    r = await client.get("/api/v1/contracts/ocds-nothing/behind")
    assert r.status_code == 404 and r.json()["field"] == "ocid"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get(BEHIND, params={"dataset": "elsewhere"})
    assert r.status_code == 404


async def test_an_ocid_in_two_datasets(client: HttpClient, session: AsyncSession,
                                       linked: dict[str, Any]) -> None:
    session.add(Dataset(name="mirror", title="Mirror", source="ocds"))
    await session.flush()
    await write_releases(session, "mirror", [_release("ocds-demo-0001", "2024-03-15", ACME)])
    await session.commit()
    r = await client.get(BEHIND)
    assert r.status_code == 409 and r.json()["field"] == "dataset"
    body = await behind(client, dataset="demo-ocds")
    assert body["contract"]["dataset"] == "demo-ocds" and body["suppliers"][0]["meetings"]


def _release(ocid: str, award_date: str, supplier: dict[str, Any]) -> dict[str, Any]:
    buyer = {"id": "ES-DIR3-L01280796", "name": "Ayto. de Madrid",
             "identifier": {"scheme": "ES-DIR3", "id": "L01280796"}, "roles": ["buyer"]}
    return {"ocid": ocid, "id": f"{ocid}-award", "date": f"{award_date}T12:00:00Z",
            "tag": ["award"], "initiationType": "tender",
            "parties": [buyer, {**supplier, "roles": ["supplier"]}],
            "buyer": {"id": buyer["id"], "name": buyer["name"]},
            "awards": [{"id": "A1", "status": "active", "date": f"{award_date}T00:00:00Z",
                        "suppliers": [{"id": supplier["id"], "name": supplier["name"]}]}]}


ACME = {"id": "acme", "name": "Acme Construction Ltd",
        "identifier": {"scheme": "GB-COH", "id": "01234567"}}


async def test_ownership_and_meetings_follow_the_award_date(
        client: HttpClient, session: AsyncSession, database_url: str,
        linked: dict[str, Any]) -> None:
    # Another publisher's contracts with the same supplier and the same city: one awarded
    # before the ownership chain existed (2019), one within a year after the meeting.
    session.add(Dataset(name="city-ocds", title="City", source="ocds"))
    await session.flush()
    await write_releases(session, "city-ocds", [_release("ocds-city-old", "2018-06-01", ACME),
                                                _release("ocds-city-new", "2024-09-01", ACME)])
    await session.commit()
    new = [e for e in (await session.scalars(select(Entity.id).where(
        Entity.dataset == "city-ocds"))).all()]
    await run_linking(database_url, new, progress=False)

    old = (await behind(client, "ocds-city-old"))["suppliers"][0]
    assert old["as_of"] == "2018-06-01"
    assert "Acme Construction Limited" in [c["entity"]["name"] for c in old["companies"]]
    assert old["owners"] == [] and old["lobbying"] == [] and old["meetings"] == []

    body = await behind(client, "ocds-city-new")
    # The city's buyer record is the demo's Ayuntamiento de Madrid by identifier, so its
    # meetings count as the buyer's.
    assert ["ocds-demo-0001/ES-DIR3-L01280796"] in [
        b["entity"]["keys"] for b in body["buyer_links"]]
    recent = body["suppliers"][0]
    assert {o["entity"]["name"] for o in recent["owners"]} >= {"John Andrew Smith"}
    [meeting] = recent["meetings"]
    assert meeting["meeting"]["date"] == "2023-09-12"
    [hop] = meeting["institution_hops"]
    assert hop["method"] == "identifier"
    assert hop["to"]["id"] == meeting["meeting"]["institution"]["id"]


async def _meeting(session: AsyncSession, key: str, day: str, registrant_id: int,
                   institution_id: int, clients: list[MeetingClient],
                   merged_into: int | None = None) -> Meeting:
    m = Meeting(dataset="demo-diaries", source_key=key, date=dt.date.fromisoformat(day),
                subject=key, institution_id=institution_id, registrant_id=registrant_id,
                declared_by_official=True, merged_into_id=merged_into,
                officials=[MeetingOfficial(name="Carmen Delgado", institution="Madrid")],
                clients=clients)
    session.add(m)
    await session.flush()
    return m


async def test_the_meeting_window_and_what_makes_a_meeting_relevant(
        client: HttpClient, session: AsyncSession, linked: dict[str, Any]) -> None:
    ids = await ids_by_key(session)
    madrid = ids["ocds-demo-0001/ES-DIR3-L01280796"]
    kyiv = ids["ocds-demo-0002/UA-EDR-04633423"]
    acme_pa = await session.scalar(select(Registrant.id).where(
        Registrant.registration_number == "R000001"))
    assert acme_pa is not None

    def acme() -> list[MeetingClient]:  # as a diary writes it: a name only
        return [MeetingClient(name="Acme Holdings Limited")]

    kept = await _meeting(session, "one-year-before", "2023-03-15", acme_pa, madrid, acme())
    await _meeting(session, "a-day-too-early", "2023-03-14", acme_pa, madrid, acme())
    await _meeting(session, "after-the-award", "2024-03-16", acme_pa, madrid, acme())
    await _meeting(session, "other-institution", "2023-10-01", acme_pa, kyiv, acme())
    await _meeting(session, "other-client", "2023-10-02", acme_pa, madrid,
                   [MeetingClient(name="Someone Else SA")])
    await _meeting(session, "merged-away", "2023-10-03", acme_pa, madrid, acme(),
                   merged_into=kept.id)
    await session.commit()

    [s] = (await behind(client))["suppliers"]
    assert [m["meeting"]["source_key"] for m in s["meetings"]] == [
        "one-year-before", "R000001/meeting/1"]


async def test_an_unpublished_registrant_never_appears(
        client: HttpClient, session: AsyncSession, linked: dict[str, Any]) -> None:
    ids = await ids_by_key(session)
    holdings, madrid = ids["GB-COH-07654321"], ids["ocds-demo-0001/ES-DIR3-L01280796"]
    # A draft entry whose organisation and client a registrar has confirmed as Acme Holdings.
    draft_entity = Entity(dataset="register", source_key="draft-1", kind="company",
                          name="Acme Holdings Ltd")
    client_entity = Entity(dataset="register", source_key="draft-1/client/1", kind="company",
                           name="Acme Holdings Ltd")
    session.add_all([draft_entity, client_entity])
    await session.flush()
    draft = Registrant(name="Acme In-house Affairs", category="in_house",
                       entity_id=draft_entity.id)
    session.add(draft)
    await session.flush()
    session.add(Client(registrant_id=draft.id, entity_id=client_entity.id,
                       name="Acme Holdings Ltd"))
    for e in (draft_entity, client_entity):
        left, right = sorted((e.id, holdings))
        session.add(Link(left_id=left, right_id=right, score=1.0, status="confirmed",
                         method="human", evidence={"features": {"checked": 1}},
                         matcher_version="test"))
    await _meeting(session, "draft-meeting", "2023-11-01", draft.id, madrid,
                   [MeetingClient(name="Acme Holdings Ltd")])
    await session.commit()

    [s] = (await behind(client))["suppliers"]
    assert [x["registrant"]["registration_number"] for x in s["lobbying"]] == ["R000001"]
    assert [m["meeting"]["source_key"] for m in s["meetings"]] == ["R000001/meeting/1"]

    # The same entry once approved is there (so the test can fail).
    draft.published_version = 1
    await session.commit()
    [s] = (await behind(client))["suppliers"]
    assert {x["registrant"]["name"] for x in s["lobbying"]} == {
        "Acme Public Affairs S.L.", "Acme In-house Affairs"}
    assert "draft-meeting" in [m["meeting"]["source_key"] for m in s["meetings"]]


async def test_a_rejected_link_breaks_the_chain(
        client: HttpClient, session: AsyncSession, linked: dict[str, Any]) -> None:
    ids = await ids_by_key(session)
    client_link = await link_between(session, ids["R000001/client/1"], ids["GB-COH-07654321"])
    supplier_link = await link_between(session, ids["ocds-demo-0001/GB-COH-1234567"],
                                       ids["GB-COH-01234567"])
    assert client_link is not None and supplier_link is not None
    supplier_link_id = supplier_link.id

    # The client is linked to Acme Holdings' records (the ownership register's and the
    # donation register's): rejecting those links takes it out of the party.
    client_links = (await session.scalars(select(Link).where(
        (Link.left_id == ids["R000001/client/1"]) | (Link.right_id == ids["R000001/client/1"]),
        Link.status == "auto"))).all()
    assert client_link.id in {x.id for x in client_links}
    for x in [x.id for x in client_links]:
        await links.decide(session, x, decision="rejected", comment="another Acme",
                           user_id=None, actor="test")
    await session.commit()
    [s] = (await behind(client))["suppliers"]
    assert s["companies"] and s["owners"]
    assert s["lobbying"] == [] and s["meetings"] == []

    await links.decide(session, supplier_link_id, decision="rejected", comment="not them",
                       user_id=None, actor="test")
    await session.commit()
    [s] = (await behind(client))["suppliers"]
    assert s["companies"] == [] and s["owners"] == []


def _ocds_file(path: Path, name: str, number: str) -> Path:
    release = _release("ocds-inc-1", "2024-05-01",
                       {"id": "s1", "name": name,
                        "identifier": {"scheme": "GB-COH", "id": number}})
    path.write_text(json.dumps({"releases": [release]}))
    return path


def test_an_import_links_what_it_wrote(database_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from registry.db.engine import make_engine, make_sessionmaker
    from registry.demo.load import load_demo

    async def links_now() -> list[tuple[str, str, str]]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as s:
                rows = await s.execute(select(Link))
                found = []
                for link in rows.scalars():
                    left = await s.get(Entity, link.left_id)
                    right = await s.get(Entity, link.right_id)
                    assert left is not None and right is not None
                    found.append((left.dataset, right.dataset, link.method))
                return found
        finally:
            await engine.dispose()

    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    assert asyncio.run(load_demo(database_url))  # not linked
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "ocds", "--no-link", "--dataset", "skip",
                                 str(_ocds_file(tmp_path / "a.json", "ACME HOLDINGS", "7654321"))])
    assert result.exit_code == 0, result.output
    assert "linked" not in result.output and asyncio.run(links_now()) == []

    result = runner.invoke(cli, ["import", "ocds", "--dataset", "inc",
                                 str(_ocds_file(tmp_path / "b.json", "ACME HOLDINGS", "7654321"))])
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output and "auto links" in result.output
    made = asyncio.run(links_now())
    assert ("demo-bods", "inc", "identifier") in made  # the supplier is Acme Holdings Ltd
    assert ("demo-ocds", "inc", "identifier") in made  # the buyer is the demo's Madrid
    # Only what the run wrote was linked: the demo's parties wait for `registry link`.
    assert all("inc" in m[:2] for m in made)
    # Importing the same file again writes nothing, so there is nothing to link.
    result = runner.invoke(cli, ["import", "ocds", "--dataset", "inc", str(tmp_path / "b.json")])
    assert result.exit_code == 0, result.output
    assert "nothing new to link" in result.output


async def test_a_large_run_relinks_the_probes_instead(session: AsyncSession, database_url: str,
                                                      demo: dict[str, Any]) -> None:
    # A run that wrote more entities than there are probes: the probes are linked (every
    # link has one on a side), which also finds the run's entities.
    session.add(Dataset(name="big", title="Big", source="bods"))
    run = ImportRun(dataset="big", source="bods", status="completed")
    session.add(run)
    await session.flush()
    rows = [Entity(dataset="big", source_key=f"c{i}", kind="company", name=f"Filler {i} Plc",
                   import_run_id=run.id) for i in range(40)]
    acme = Entity(dataset="big", source_key="acme", kind="company",
                  name="Acme Construction Ltd", import_run_id=run.id)
    set_names(acme, acme.name)
    set_identifiers(acme, [{"scheme": "GB-COH", "id": "1234567"}])
    session.add_all([*rows, acme])
    await session.commit()
    stats = await run_linking(database_url, None, run_id=run.id, progress=False)
    assert stats.probes < 41
    ids = await ids_by_key(session)
    supplier = ids["ocds-demo-0001/GB-COH-1234567"]
    assert await link_between(session, supplier, acme.id) is not None
    assert await link_between(session, supplier, ids["GB-COH-01234567"]) is not None


async def test_approval_links_the_entry(client: HttpClient, session: AsyncSession,
                                        settings: Settings, linked: dict[str, Any]) -> None:
    registrar = await account(session, settings, "registrar@example.org", "registrar")
    member = await account(session, settings, "consultant@example.org")
    published = await publish(client, member, registrar, entry(
        name="Fleet Street Advisers", category="consultancy",
        clients=[{"name": "Acme Construction Limited", "income_band": "50000-99999",
                  "identifiers": [{"scheme": "GB-COH", "id": "1234567"}]}]))
    number = published["registration_number"]
    ids = await ids_by_key(session)
    link = await link_between(session, ids[f"{number}/client/1"], ids["GB-COH-01234567"])
    # A self-declared identifier proposes the link; the registrar confirms it.
    assert link is not None and link.status == "candidate"
    [s] = (await behind(client))["suppliers"]
    assert {x["registrant"]["registration_number"] for x in s["lobbying"]} == {"R000001"}
    r = await client.post(f"/api/v1/links/{link.id}/decision", headers=registrar,
                          json={"decision": "confirmed", "comment": "number checked"})
    assert r.status_code == 200
    [s] = (await behind(client))["suppliers"]
    assert {(x["role"], x["registrant"]["registration_number"]) for x in s["lobbying"]} == {
        ("client", "R000001"), ("client", number)}
    via = {x["via"]["name"] for x in s["lobbying"] if x["registrant"]["registration_number"]
           == number}
    assert via == {"ACME CONSTRUCTION LTD."}  # the supplier itself, through two links


def _statement(sid: str, rid: str, rtype: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"statementId": sid.ljust(32, "x"), "statementDate": "2020-01-01",
            "recordId": rid, "recordType": rtype, "recordStatus": "new",
            "declarationSubject": rid, "recordDetails": details}


def _company(name: str, number: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {"isComponent": False,
                               "entityType": {"type": "registeredEntity"}, "name": name}
    if number:
        details["identifiers"] = [{"scheme": "GB-COH", "id": number}]
    return details


def _owns(subject: str, party: Any, share: float | None) -> dict[str, Any]:
    interest: dict[str, Any] = {"type": "shareholding", "directOrIndirect": "direct"}
    if share is not None:
        interest["share"] = {"exact": share}
    return {"isComponent": False, "subject": subject, "interestedParty": party,
            "interests": [interest]}


async def test_undisclosed_owners_and_loops_behind_a_supplier(
        client: HttpClient, session: AsyncSession, database_url: str, tmp_path: Path) -> None:
    person = {"isComponent": False, "personType": "knownPerson",
              "names": [{"type": "legal", "fullName": "Pat Owner"}]}
    statements = [
        _statement("a", "A", "entity", _company("A Ltd", "09999999")),
        _statement("b", "B", "entity", _company("B Ltd")),
        _statement("c", "C", "entity", _company("C Ltd")),
        _statement("p", "P", "person", person),
        _statement("r1", "B-A", "relationship", _owns("A", "B", 40)),
        _statement("r2", "C-A", "relationship", _owns("A", "C", 60)),
        _statement("r3", "P-B", "relationship", _owns("B", "P", 50)),
        _statement("r4", "A-B", "relationship", _owns("B", "A", 10)),  # a loop A -> B -> A
        _statement("r5", "U-C", "relationship", _owns(
            "C", {"reason": "interestedPartyExemptFromDisclosure", "description": "listed"},
            None)),
    ]
    path = tmp_path / "owners.json"
    path.write_text(json.dumps(statements), "utf-8")
    await import_bods(database_url, [str(path)])
    session.add(Dataset(name="city-ocds", title="City", source="ocds"))
    await session.flush()
    supplier = {"id": "a-ltd", "name": "A Limited",
                "identifier": {"scheme": "GB-COH", "id": "09999999"}}
    await write_releases(session, "city-ocds", [_release("ocds-city-a", "2022-01-01",
                                                         supplier)])
    await session.commit()
    new = list((await session.scalars(select(Entity.id).where(
        Entity.dataset == "city-ocds"))).all())
    await run_linking(database_url, new, progress=False)

    [story] = (await behind(client, "ocds-city-a"))["suppliers"]
    assert [c["entity"]["name"] for c in story["companies"]] == ["A Ltd"]
    assert "Pat Owner" in {o["entity"]["name"] for o in story["owners"]}
    assert [(u["reason"], u["description"], u["subject"]["name"], u["via_company"]["name"])
            for u in story["unknown_owners"]] == [
        ("interestedPartyExemptFromDisclosure", "listed", "C Ltd", "A Ltd")]
    [declaring] = [h for h in story["unknown_owners"][0]["chain"]
                   if h.get("interested_party_unspecified")]
    assert declaring["subject"]["name"] == "C Ltd"
    assert [[e["name"] for e in loop] for loop in story["cycles"]] == [
        ["A Ltd", "B Ltd", "A Ltd"]]

    page = await client.get("/contracts/ocds-city-a")
    assert page.status_code == 200
    assert "owner not disclosed" in page.text and "Ownership loops" in page.text


async def test_one_request_has_a_budget_of_walks(
        client: HttpClient, linked: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    [s] = (await behind(client))["suppliers"]
    assert not s["truncated"] and s["owners"]
    # Awards x suppliers x companies x owners multiply: past the budget the answer says so.
    monkeypatch.setattr(behind_module, "MAX_WALKS", 2)
    # Nothing changed in the data, so the answer cache would replay the first answer: off.
    monkeypatch.setattr(client.app.state.http_cache, "max_bytes", 0)
    [s] = (await behind(client))["suppliers"]
    assert s["truncated"]
