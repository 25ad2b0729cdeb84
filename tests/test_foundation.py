"""The foundation: health, readiness, schema, problem+json, entities from the demo data."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.db.engine import make_engine
from registry.models import Entity
from registry.settings import Settings

Client = AsyncTestClient[Litestar]


async def test_health_and_ready(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json()["checks"]["database"] == "ok"


async def test_ready_is_503_when_database_is_down(settings: Settings) -> None:
    app = create_app(settings, "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"


async def test_schema_is_openapi_31_with_operation_ids(client: Client) -> None:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.1")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert op.get("operationId"), f"{method.upper()} {path} lacks operationId"


async def test_every_list_pages_the_same_way(client: Client) -> None:
    """The paging parameters are declared once (registry/api/pagination.py): every list
    that takes a ``cursor`` says what to pass in it and bounds its ``limit`` (search pages
    by at most 100), and the bounds are enforced with a problem naming the field."""
    spec = (await client.get("/schema/openapi.json")).json()
    paged = []
    for path, ops in spec["paths"].items():
        for op in ops.values():
            params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
            if "cursor" in params and path.startswith("/api/"):
                paged.append(path)
                assert params["cursor"].get("description"), path
                schema = params["limit"]["schema"]
                assert schema.get("minimum") == 1 and schema.get("maximum") in (100, 500), path
    assert len(paged) >= 7, paged
    r = await client.get("/api/v1/entities", params={"limit": 501})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "limit" in r.text


async def test_unknown_route_is_problem_json(client: Client) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/nothing-here"


async def test_bad_parameter_names_the_field(client: Client) -> None:
    r = await client.get("/api/v1/entities", params={"limit": "many"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "limit"


async def test_bad_cursor_names_the_field(client: Client) -> None:
    r = await client.get("/api/v1/entities", params={"cursor": "%%%not-a-cursor"})
    assert r.status_code == 400
    assert r.json()["field"] == "cursor"


async def test_missing_entity_is_404_problem(client: Client) -> None:
    r = await client.get("/api/v1/entities/999999")
    assert r.status_code == 404
    assert r.json()["field"] == "entity_id"


async def test_demo_entities_are_listed_with_provenance(
    client: Client, demo: dict[str, Any], session: AsyncSession
) -> None:
    expected = set((await session.scalars(select(Entity.name))).all())
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/entities", params=params)).json()
        seen.extend(page["items"])
        cursor = page["next"]
        if not cursor:
            break
    assert {e["name"] for e in seen} == expected
    assert len(seen) == len(expected) >= 20  # every entity once, across pages
    for e in seen:
        assert {"id", "kind", "name", "dataset", "keys"} <= e.keys()
        assert e["keys"], e


async def test_entity_detail_and_filters(client: Client, demo: dict[str, Any]) -> None:
    page = (await client.get("/api/v1/entities", params={"kind": "public_body"})).json()
    assert {e["kind"] for e in page["items"]} == {"public_body"}
    assert "Ayuntamiento de Madrid" in {e["name"] for e in page["items"]}
    ua = (await client.get("/api/v1/entities", params={"country": "ua", "kind": "company"})).json()
    assert {e["country"] for e in ua["items"]} == {"UA"}
    one = (await client.get(f"/api/v1/entities/{ua['items'][0]['id']}")).json()
    assert one["identifiers"][0]["scheme"] == "UA-EDR"
    assert any(n["type"] == "transliterated" for n in one["names"])


async def test_restricted_details_are_not_published(client: Client, demo: dict[str, Any],
                                                    session: AsyncSession) -> None:
    smith = (await session.scalars(
        select(Entity).where(Entity.name == "John Andrew Smith"))).one()
    assert smith.restricted["birth_date"] == "1968-04-17"  # stored, for matching
    body = (await client.get(f"/api/v1/entities/{smith.id}")).text
    assert "1968-04-17" not in body and "Elm Close" not in body
    assert '"birth_date":"1968-04"' in body.replace(" ", "")


async def test_demo_loads_once(database_url: str, demo: dict[str, Any],
                               session: AsyncSession) -> None:
    from registry.demo.load import load_demo

    before = len((await session.scalars(select(Entity.id))).all())
    assert await load_demo(database_url) is False
    after = len((await session.scalars(select(Entity.id))).all())
    assert before == after


async def test_every_route_declares_who_may_call_it(app: Litestar) -> None:
    from registry.api.access import LEVELS

    checked = 0
    for route in app.routes:
        if route.path.startswith("/schema"):
            continue  # the OpenAPI documents: public by design, configured in create_app
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) <= {"OPTIONS", "HEAD"}:
                continue  # Litestar's automatic CORS/HEAD handlers
            level = handler.opt.get("access")
            assert level in LEVELS, f"{route.path} {handler.http_methods} declares no access"
            checked += 1
    assert checked >= 4


async def test_migrations_run_from_inside_an_event_loop(db_factory: Any) -> None:
    """A command whose coroutine resolves the embedded database late migrates it inside the
    running loop (``registry export ocds`` did: "asyncio.run() cannot be called from a
    running event loop")."""
    from sqlalchemy import text

    from registry.db.migrate import upgrade

    name = f"{db_factory.prefix}_empty"
    admin = await db_factory._admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = db_factory.url_for(name)
    upgrade(url)  # synchronously, inside this test's running loop
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM entities"))).scalar() == 0
    finally:
        await engine.dispose()
        await db_factory.drop(url)
