"""Register entries: drafts, versions with ETag/If-Match, review, publication, the public view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import AuditLog, Entity, Lobbyist, Registrant, RegistrantVersion, SearchOutbox
from registry.settings import Settings

from .lobbying_support import Client, account, create_draft, entry, publish

API = "/api/v1/registrants"


async def test_draft_edit_submit_approve_publishes_with_a_number(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    r = await client.post(API, json={"name": "Green Streets", "category": "ngo"},
                          headers=member)
    assert r.status_code == 201, r.text
    draft = r.json()
    rid = draft["id"]
    assert r.headers["ETag"] == '"1"' and draft["status"] == "draft"
    assert {m["field"] for m in draft["missing"]} >= {"description", "subject_matters",
                                                      "lobbyists"}
    # not public yet, to anybody
    assert (await client.get(f"{API}/{rid}")).status_code == 404
    assert (await client.get(API)).json()["items"] == []

    # submitting an incomplete draft names what is missing
    r = await client.post(f"{API}/{rid}/submit", headers=member)
    assert r.status_code == 422 and r.json()["field"] == "head_office.address"

    complete = entry(name="Green Streets")
    r = await client.patch(f"{API}/{rid}", json=complete, headers={**member, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"' and r.json()["missing"] == []
    assert (await client.post(f"{API}/{rid}/submit", headers=member)).status_code == 200
    queue = (await client.get(f"{API}/review-queue", headers=registrar)).json()
    assert [(q["id"], q["version"]) for q in queue] == [(rid, 2)]
    # under review: no edits, no second submission
    r = await client.patch(f"{API}/{rid}", json={"website": None},
                           headers={**member, "If-Match": '"2"'})
    assert r.status_code == 409
    r = await client.post(f"{API}/{rid}/approve", headers=registrar)
    assert r.status_code == 200, r.text
    public = r.json()
    assert (await client.get(f"{API}/review-queue", headers=registrar)).json() == []
    assert public["registration_number"].startswith("R") and len(public["registration_number"]) == 7
    assert public["status"] == "active" and public["version"] == 2
    assert public["category"] == {"code": "ngo", "label": "Non-governmental organisation"}
    assert public["entity"]["dataset"] == "register"
    assert public["entity"]["keys"] == [public["registration_number"]]
    assert public["lobbyists"][0]["entity"]["keys"] == [
        f"{public['registration_number']}/lobbyist/1"]

    listed = (await client.get(API)).json()["items"]
    assert [x["id"] for x in listed] == [rid]
    # the entities reach search through the outbox
    reg = await session.get(Registrant, rid)
    assert reg is not None and reg.entity_id is not None
    queued = set((await session.scalars(select(SearchOutbox.entity_id))).all())
    assert reg.entity_id in queued
    actions = (await session.scalars(select(AuditLog.action).where(
        AuditLog.object_type == "registrant").order_by(AuditLog.id))).all()
    assert actions == ["registrant.create", "registrant.edit", "registrant.submit",
                       "registrant.approve"]


async def test_concurrent_edits_are_refused(client: Client, session: AsyncSession,
                                            settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    rid = (await create_draft(client, member))["id"]
    r = await client.patch(f"{API}/{rid}", json={"website": "https://a.example"}, headers=member)
    assert r.status_code == 428
    first = await client.patch(f"{API}/{rid}", json={"website": "https://a.example"},
                               headers={**member, "If-Match": 'W/"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = await client.patch(f"{API}/{rid}", json={"website": "https://b.example"},
                               headers={**member, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    versions = (await session.scalars(select(RegistrantVersion.version).where(
        RegistrantVersion.registrant_id == rid))).all()
    assert sorted(versions) == [1, 2]
    draft = (await client.get(f"{API}/{rid}/draft", headers=member)).json()
    assert draft["entry"]["website"] == "https://a.example"


async def test_validation_errors_name_the_field(client: Client, session: AsyncSession,
                                                settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    r = await client.post(API, json={"name": "X"}, headers=member)
    assert r.status_code == 422 and r.json()["field"] == "category"
    r = await client.post(API, json={"name": "X", "category": "spies"}, headers=member)
    assert r.status_code == 422 and r.json()["field"] == "category"
    rid = (await create_draft(client, member))["id"]
    bad = {"lobbyists": [{"name": "A"}, {"name": "B", "former_office_end": "last spring"}]}
    r = await client.patch(f"{API}/{rid}", json=bad, headers={**member, "If-Match": '"1"'})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "lobbyists[1].former_office_end"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.patch(f"{API}/{rid}", json={"subject_matters": ["transport", "spying"]},
                           headers={**member, "If-Match": '"1"'})
    assert r.status_code == 422 and r.json()["field"] == "subject_matters[1]"
    r = await client.patch(f"{API}/{rid}", json={"lobbyists": [{"nme": "typo"}]},
                           headers={**member, "If-Match": '"1"'})
    assert r.status_code == 422 and r.json()["field"] == "lobbyists[0].nme"
    r = await client.patch(f"{API}/{rid}", json={
        "lobbyists": [{"name": "A", "former_public_office": "Minister"}]},
        headers={**member, "If-Match": '"1"'})
    assert r.status_code == 200  # a draft may be incomplete ...
    r = await client.post(f"{API}/{rid}/submit", headers=member)
    assert r.status_code == 422  # ... a submission may not
    assert r.json()["field"] == "lobbyists[0].former_office_end"
    # nothing was lost: the bad patches made no version
    assert r.json()["errors"][0]["field"] == "lobbyists[0].former_office_end"
    draft = (await client.get(f"{API}/{rid}/draft", headers=member)).json()
    assert draft["version"] == 2


async def test_rejection_resubmission_and_versions_diff(client: Client, session: AsyncSession,
                                                        settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    rid = (await create_draft(client, member))["id"]
    await client.post(f"{API}/{rid}/submit", headers=member)
    r = await client.post(f"{API}/{rid}/reject", json={}, headers=registrar)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await client.post(f"{API}/{rid}/reject", json={"reason": "Costs band implausible"},
                          headers=registrar)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    draft = (await client.get(f"{API}/{rid}/draft", headers=member)).json()
    assert draft["reason"] == "Costs band implausible"
    r = await client.patch(f"{API}/{rid}", json={"annual_costs_band": "50000-99999"},
                           headers={**member, "If-Match": draft["etag"]})
    assert r.status_code == 200
    await client.post(f"{API}/{rid}/submit", headers=member)
    assert (await client.post(f"{API}/{rid}/approve", headers=registrar)).status_code == 200

    # an update of a published entry: the public keeps the approved version until approval
    r = await client.patch(f"{API}/{rid}", headers={**member, "If-Match": '"2"'}, json={
        "lobbyists": [{"name": "Ana Pereira", "role": "Director"}, {"name": "Ben Okoro"}]})
    assert r.status_code == 200
    public = (await client.get(f"{API}/{rid}")).json()
    assert public["version"] == 2 and len(public["lobbyists"]) == 1

    anonymous = (await client.get(f"{API}/{rid}/versions")).json()
    assert [v["version"] for v in anonymous] == [2]
    mine = (await client.get(f"{API}/{rid}/versions", headers=member)).json()
    assert [v["status"] for v in mine] == ["rejected", "approved", "draft"]
    assert (await client.get(f"{API}/{rid}/versions/3")).status_code == 404
    diff = (await client.get(f"{API}/{rid}/versions/diff", params={"from": 2, "to": 3},
                             headers=member)).json()
    changes = {c["path"]: c for c in diff["changes"]}
    assert changes["lobbyists[0].role"] == {"path": "lobbyists[0].role", "op": "changed",
                                            "old": "Policy officer", "new": "Director"}
    assert changes["lobbyists[1]"]["op"] == "added"
    assert changes["lobbyists[1]"]["new"]["name"] == "Ben Okoro"
    public_diff = await client.get(f"{API}/{rid}/versions/diff", params={"from": 1, "to": 2})
    assert public_diff.status_code == 404  # version 1 was never public

    await client.post(f"{API}/{rid}/submit", headers=member)
    await client.post(f"{API}/{rid}/approve", headers=registrar)
    public = (await client.get(f"{API}/{rid}")).json()
    assert public["version"] == 3 and [x["name"] for x in public["lobbyists"]] == [
        "Ana Pereira", "Ben Okoro"]
    # the lobbyist kept her entity (and its key) across versions
    keys = [x["entity"]["keys"][0] for x in public["lobbyists"]]
    number = public["registration_number"]
    assert keys == [f"{number}/lobbyist/1", f"{number}/lobbyist/2"]
    assert len((await session.scalars(select(Lobbyist).where(
        Lobbyist.registrant_id == rid))).all()) == 2


async def test_revolving_door_is_flagged(client: Client, session: AsyncSession,
                                         settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    recent = (dt.date.today() - dt.timedelta(days=200)).isoformat()
    long_ago = (dt.date.today() - dt.timedelta(days=365 * 5)).isoformat()
    public = await publish(client, member, registrar, entry(lobbyists=[
        {"name": "Ex Minister", "role": "Adviser", "former_public_office": "Minister of Transport",
         "former_office_end": recent},
        {"name": "Old Hand", "role": "Adviser", "former_public_office": "Deputy mayor",
         "former_office_end": long_ago},
        {"name": "Newcomer", "role": "Analyst"}]))
    flags = {x["name"]: x["revolving_door"] for x in public["lobbyists"]}
    assert flags == {"Ex Minister": True, "Old Hand": False, "Newcomer": False}
    assert public["revolving_door"] is True


async def test_suspension_reinstatement_and_deregistration(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    rid = (await publish(client, member, registrar))["id"]
    assert (await client.post(f"{API}/{rid}/suspend", json={}, headers=registrar)).status_code \
        == 422
    r = await client.post(f"{API}/{rid}/suspend", json={"reason": "Returns not filed"},
                          headers=registrar)
    assert r.status_code == 200
    public = (await client.get(f"{API}/{rid}")).json()
    assert public["status"] == "suspended" and public["status_reason"] == "Returns not filed"
    assert [x["id"] for x in (await client.get(API, params={"status": "suspended"})).json()[
        "items"]] == [rid]
    assert (await client.get(API, params={"status": "active"})).json()["items"] == []
    assert (await client.post(f"{API}/{rid}/reinstate", headers=registrar)).status_code == 200
    r = await client.post(f"{API}/{rid}/deregister", json={"reason": "Ceased lobbying"},
                          headers=member)
    assert r.status_code == 200 and r.json()["status"] == "deregistered"
    assert (await client.get(f"{API}/{rid}")).json()["status"] == "deregistered"
    r = await client.patch(f"{API}/{rid}", json={"website": None},
                           headers={**member, "If-Match": "*"})
    assert r.status_code == 409
    reg = await session.get(Registrant, rid)
    assert reg is not None
    entity = await session.get(Entity, reg.entity_id)
    assert entity is not None and entity.is_closed


async def test_list_filters_and_cursor(client: Client, session: AsyncSession,
                                       settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    made: list[dict[str, Any]] = []
    for i, (category, subject, country) in enumerate([
            ("ngo", "transport", "BE"), ("consultancy", "energy", "FR"),
            ("ngo", "energy", "FR"), ("think_tank", "health", "BE")]):
        data = entry(name=f"Org {i}", category=category, subject_matters=[subject],
                     head_office={"address": "Street 1", "country": country})
        if category == "consultancy":
            data["clients"] = [{"name": "Client SA", "income_band": "10000-24999"}]
        made.append(await publish(client, member, registrar, data))
    await create_draft(client, member)  # a draft never shows

    async def names(**params: Any) -> list[str]:
        r = await client.get(API, params=params)
        assert r.status_code == 200, r.text
        return [x["name"] for x in r.json()["items"]]

    assert await names(category="ngo") == ["Org 0", "Org 2"]
    assert await names(subject_matter="energy") == ["Org 1", "Org 2"]
    assert await names(country="be") == ["Org 0", "Org 3"]
    assert await names(q="org 3") == ["Org 3"]
    assert (await client.get(API, params={"category": "spies"})).json()["field"] == "category"
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = (await client.get(API, params=params)).json()
        seen += [x["name"] for x in page["items"]]
        if not page["next"]:
            break
        params["cursor"] = page["next"]
    assert seen == ["Org 0", "Org 1", "Org 2", "Org 3"]
    consultancy = next(x for x in made if x["category"]["code"] == "consultancy")
    assert consultancy["clients"][0]["income_band"] == "10000-24999"
    assert consultancy["clients"][0]["entity"]["keys"] == [
        f"{consultancy['registration_number']}/client/1"]


async def test_demo_registrants_are_published(client: Client, demo: dict[str, Any]) -> None:
    items = (await client.get(API)).json()["items"]
    assert {x["registration_number"] for x in items} == {"R000001", "R000002"}
    acme = next(x for x in items if x["registration_number"] == "R000001")
    ruiz = next(x for x in acme["lobbyists"] if x["name"] == "Elena Ruiz Navarro")
    ended = dt.date.fromisoformat(ruiz["former_office_end"])
    assert ruiz["revolving_door"] == (dt.date.today() - ended < dt.timedelta(days=365 * 2 - 3))
    assert acme["revolving_door"] == ruiz["revolving_door"]
    assert acme["entity"]["keys"] == ["R000001"]


async def test_registration_numbers_continue_after_existing_ones(
        client: Client, session: AsyncSession, settings: Settings, demo: dict[str, Any]) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    assert (await publish(client, member, registrar))["registration_number"] == "R000003"


async def test_members_invite_colleagues_who_accept(client: Client, session: AsyncSession,
                                                    settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    colleague = await account(session, settings, "ben@example.org")
    rid = (await create_draft(client, member))["id"]
    assert (await client.get(f"{API}/{rid}/draft", headers=colleague)).status_code == 403
    # The same answer for an address with and without an account: no account probing.
    nobody = await client.post(f"{API}/{rid}/members", json={"email": "nobody@example.org"},
                               headers=member)
    ben = await client.post(f"{API}/{rid}/members", json={"email": "BEN@example.org"},
                            headers=member)
    assert nobody.status_code == ben.status_code == 202
    assert set(nobody.json()) == set(ben.json()) == {"registrant_id", "email", "status"}
    # Invited is not a member: nothing until the colleague accepts.
    assert (await client.get(f"{API}/{rid}/draft", headers=colleague)).status_code == 403
    mine = (await client.get("/api/v1/accounts/me/invitations", headers=colleague)).json()
    assert [x["registrant_id"] for x in mine] == [rid]
    invited = (await client.get(f"{API}/{rid}/invitations", headers=member)).json()
    assert sorted(x["email"] for x in invited) == ["ben@example.org", "nobody@example.org"]
    r = await client.post(f"{API}/{rid}/invitation/accept", headers=colleague)
    assert r.status_code == 200
    assert (await client.get(f"{API}/{rid}/draft", headers=colleague)).status_code == 200
    members = (await client.get(f"{API}/{rid}/members", headers=colleague)).json()
    assert [m["email"] for m in members] == ["ana@example.org", "ben@example.org"]
    me = (await client.get("/api/v1/accounts/me", headers=colleague)).json()
    assert [x["registrant_id"] for x in me["registrants"]] == [rid]
    # An invitation is used once; another account cannot accept one not meant for it.
    assert (await client.post(f"{API}/{rid}/invitation/accept",
                              headers=colleague)).status_code == 404
    outsider = await account(session, settings, "eve@example.org")
    assert (await client.post(f"{API}/{rid}/invitation/accept",
                              headers=outsider)).status_code == 404
    # Members are removed; the last one stays.
    ana_id = members[0]["user_id"]
    ben_id = members[1]["user_id"]
    assert (await client.delete(f"{API}/{rid}/members/{ben_id}",
                                headers=member)).status_code == 204
    assert (await client.get(f"{API}/{rid}/draft", headers=colleague)).status_code == 403
    r = await client.delete(f"{API}/{rid}/members/{ana_id}", headers=member)
    assert r.status_code == 409 and r.json()["field"] == "user_id"


async def test_a_suspended_entry_keeps_the_registrars_reason(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    rid = (await publish(client, member, registrar))["id"]
    r = await client.post(f"{API}/{rid}/suspend", json={"reason": "Returns not filed"},
                          headers=registrar)
    assert r.status_code == 200
    r = await client.post(f"{API}/{rid}/deregister",
                          json={"reason": "Left voluntarily, nothing wrong"}, headers=member)
    assert r.status_code == 200
    public = (await client.get(f"{API}/{rid}")).json()
    assert public["status"] == "deregistered"
    assert public["status_reason"] == "Returns not filed"


async def test_every_field_and_list_of_an_entry_is_bounded(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    rid = (await create_draft(client, member))["id"]
    for patch, field in (({"description": "x" * 10_001}, "description"),
                         ({"name": "x" * 301}, "name"),
                         ({"lobbyists": [{"name": "A"}] * 501}, "lobbyists"),
                         ({"memberships": ["m"] * 201}, "memberships"),
                         ({"clients": [{"name": "c" * 301}]}, "clients[0].name"),
                         ({"head_office": {"address": "a" * 301}}, "head_office.address")):
        r = await client.patch(f"{API}/{rid}", json=patch, headers={**member, "If-Match": "*"})
        assert r.status_code == 422, (field, r.status_code)
        assert r.json()["field"] == field
    r = await client.post(API, json={"name": "n" * 301, "category": "ngo"}, headers=member)
    assert r.status_code in (400, 422) and r.json()["field"] == "name"
