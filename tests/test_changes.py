"""``GET /api/v1/changes``: every public change in commit order, nothing unpublished."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.db.engine import make_engine
from registry.models import Entity
from registry.settings import Settings
from tests.bods_support import write_json
from tests.lobbying_support import account, create_draft, publish

Client = AsyncTestClient[Litestar]


async def drain(client: Client, since: str | None = None, limit: int = 7,
                types: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Every page until an empty one; the items and the last cursor."""
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        if types:
            params["types"] = types
        r = await client.get("/api/v1/changes", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        if not page["items"]:
            assert since is None or page["next"] == since
            return items, page["next"]
        items += page["items"]
        assert page["next"] == page["items"][-1]["cursor"]
        since = page["next"]


def company(sid: str, record_id: str, name: str) -> dict[str, Any]:
    return {"statementId": sid.ljust(32, "0"), "statementDate": "2024-01-01",
            "recordId": record_id, "recordType": "entity", "recordStatus": "new",
            "declarationSubject": record_id,
            "recordDetails": {"isComponent": False, "entityType": {"type": "registeredEntity"},
                              "name": name, "jurisdiction": {"name": "France", "code": "FR"}}}


async def test_a_company_imported_after_draining_is_on_the_next_page(
    client: Client, database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    items, cursor = await drain(client)
    kinds = {i["type"] for i in items}
    assert {"entity", "relationship", "contract", "registrant", "meeting"} <= kinds
    assert all(i["action"] == "upsert" for i in items)
    acme = [i for i in items if i["type"] == "entity" and i["keys"] == ["GB-COH-01234567"]]
    assert acme and acme[0]["dataset"] == "demo-bods"

    r = await client.get("/api/v1/changes", params={"since": cursor})
    assert r.json() == {"items": [], "next": cursor}

    path = write_json(tmp_path / "new.json", [company("feed1", "fr-1", "Nouvelle SARL")])
    await import_bods(database_url, [str(path)], "fr-bods")
    new, _ = await drain(client, cursor)
    assert [(i["type"], i["dataset"], i["keys"], i["action"]) for i in new
            if i["type"] == "entity"] == [("entity", "fr-bods", ["fr-1"], "upsert")]
    r = await client.get(f"/api/v1/entities/{new[0]['id']}")
    assert r.json()["name"] == "Nouvelle SARL"


async def test_deleted_objects_are_deletes_and_types_filter(
    client: Client, demo: dict[str, Any], session: AsyncSession
) -> None:
    _, cursor = await drain(client)
    await session.execute(delete(Entity).where(Entity.source_key == "GB-COH-01234567"))
    await session.commit()
    items, _ = await drain(client, cursor)
    entities = [i for i in items if i["type"] == "entity"]
    assert entities and {i["action"] for i in entities} == {"delete"}
    assert entities[-1]["keys"] == ["GB-COH-01234567"]
    only, _ = await drain(client, cursor, types="relationship")
    assert only and {i["type"] for i in only} == {"relationship"}


async def test_a_change_is_not_passed_while_an_older_transaction_runs(
    client: Client, database_url: str, session: AsyncSession
) -> None:
    """Transaction A writes first but commits last: the feed must neither skip A's change
    (B's cursor would be past it) nor show B's before A has ended."""
    _, cursor = await drain(client)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as a:
            await a.execute(text(
                "INSERT INTO datasets (name) VALUES ('ds') ON CONFLICT DO NOTHING"))
            await a.commit()
            await a.execute(text("INSERT INTO entities (dataset, source_key, kind, name) "
                                 "VALUES ('ds', 'a', 'company', 'A')"))
            session.add(Entity(dataset="ds", source_key="b", kind="company", name="B"))
            await session.commit()  # B commits while A is still open
            waiting, still = await drain(client, cursor)
            assert waiting == [] and still == cursor
            await a.commit()
    finally:
        await engine.dispose()
    items, _ = await drain(client, cursor)
    assert [i["keys"] for i in items] == [["a"], ["b"]]


async def test_drafts_never_appear_and_bad_parameters_are_problems(
    client: Client, session: AsyncSession, settings: Settings
) -> None:
    _, cursor = await drain(client)
    member = await account(session, settings, "m@example.org")
    registrar = await account(session, settings, "r@example.org", role="registrar")
    draft = await create_draft(client, member)
    etag = (await client.get(f"/api/v1/registrants/{draft['id']}/draft",
                             headers=member)).headers["etag"]
    r = await client.patch(f"/api/v1/registrants/{draft['id']}", json={"name": "Still draft"},
                           headers={**member, "If-Match": etag,
                                    "Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    items, cursor2 = await drain(client, cursor)
    assert [i for i in items if i["type"] == "registrant"] == []
    published = await publish(client, member, registrar)
    items, _ = await drain(client, cursor2)
    assert {(i["type"], i["id"], i["action"]) for i in items if i["type"] == "registrant"} \
        == {("registrant", published["id"], "upsert")}

    # Editing a new draft of a published entry (it rewrites registrants.name) is not news.
    _, cursor3 = await drain(client, cursor2)
    etag = (await client.get(f"/api/v1/registrants/{published['id']}/draft",
                             headers=member)).headers["etag"]
    r = await client.patch(f"/api/v1/registrants/{published['id']}", json={"name": "Rebrand"},
                           headers={**member, "If-Match": etag,
                                    "Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    items, _ = await drain(client, cursor3)
    assert [i for i in items if i["type"] == "registrant"] == []

    r = await client.get("/api/v1/changes", params={"since": "yesterday"})
    assert r.status_code == 400 and r.json()["field"] == "since"
    r = await client.get("/api/v1/changes", params={"types": "entity,secret"})
    assert r.status_code == 400 and r.json()["field"] == "types"


async def test_trimmed_feed_answers_410_to_an_older_cursor(
    client: Client, database_url: str, demo: dict[str, Any], session: AsyncSession,
    tmp_path: Path
) -> None:
    from registry.exports.publish import publish as publish_snapshot

    items, _ = await drain(client, limit=500)
    assert len(items) > 10
    early, late = items[2]["cursor"], items[-1]["cursor"]
    # Everything before the last three changes becomes 400 days old.
    xid, row_id = (int(x) for x in items[-3]["cursor"].split("-"))
    await session.execute(text(
        "UPDATE changes SET changed_at = now() - interval '400 days' "
        "WHERE (xid::text::bigint, id) < (:x, :i)"), {"x": xid, "i": row_id})
    await session.commit()
    before = await session.scalar(text("SELECT count(*) FROM changes"))

    folder = await publish_snapshot(database_url, tmp_path / "downloads",
                                    changes_keep_days=365)
    after = await session.scalar(text("SELECT count(*) FROM changes"))
    assert after < before

    r = await client.get("/api/v1/changes", params={"since": early})
    assert r.status_code == 410, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["field"] == "since" and "snapshot" in problem["detail"]
    # The snapshot published with the trim is the way back: its cursor is served.
    import json
    cursor = json.loads((folder / "manifest.json").read_text())["changes_cursor"]
    r = await client.get("/api/v1/changes", params={"since": cursor})
    assert r.status_code == 200, r.text
    # A client that kept up loses nothing; one starting from the beginning gets what is kept.
    rest, _ = await drain(client, since=late)
    assert rest == []
    kept, _ = await drain(client, limit=500)
    assert [i["cursor"] for i in kept] == [i["cursor"] for i in items][-len(kept):]

    # A generous retention trims nothing.
    await publish_snapshot(database_url, tmp_path / "again", changes_keep_days=1000)
    assert await session.scalar(text("SELECT count(*) FROM changes")) == after
