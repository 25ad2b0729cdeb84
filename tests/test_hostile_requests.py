"""One anonymous request must not take the service down: patterns are linear and bounded,
/match has a budget per query."""

from __future__ import annotations

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from registry.accounts.service import is_email
from registry.db import limits
from registry.settings import Settings
from search.identifiers import _DE_REGISTER, normalize_identifier

Client = AsyncTestClient[Litestar]


def _fast(seconds: float, started: float) -> None:
    assert time.perf_counter() - started < seconds


def test_email_check_is_linear() -> None:
    started = time.perf_counter()
    assert not is_email("a@" + "." * 30_000 + "@")
    assert not is_email("a@" + "." * 300)
    _fast(0.05, started)
    assert is_email("ana@example.org")
    assert not is_email("ana@example") and not is_email("ana example@x.org")
    assert not is_email("@x.org") and not is_email("a@b@x.org")


def test_german_register_pattern_is_linear() -> None:
    started = time.perf_counter()
    # The pattern alone, without the length cap in front of it.
    assert _DE_REGISTER.match("HRB" + " " * 20_000 + "x") is None
    normalize_identifier("DE-CR", "HRB" + " " * 200_000 + "x")
    _fast(0.2, started)
    assert normalize_identifier("DE-CR", "HRB 12345 B (Amtsgericht Charlottenburg)") == \
        "HRB12345-B@CHARLOTTENBURG"
    assert normalize_identifier("DE-CR", "HRB. 12345") == "HRB12345"


async def test_hostile_sign_up_is_refused_at_once(client: Client) -> None:
    started = time.perf_counter()
    r = await client.post("/api/v1/accounts", json={
        "email": "a@" + "." * 30_000 + "@", "password": "correct horse battery"})
    _fast(1.0, started)
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/v1/accounts", json={
        "email": "a@" + "." * 300 + "x", "password": "correct horse battery"})
    assert r.status_code == 422 and r.json()["field"] == "email"


async def test_match_has_a_budget_per_query(client: Client) -> None:
    def query(**properties: object) -> dict[str, object]:
        return {"queries": {"q": {"schema": "Company", "properties": properties}}}

    r = await client.post("/api/v1/match", json=query(name=[f"Acme {n}" for n in range(11)]))
    assert r.status_code == 422 and r.json()["field"] == "queries.q.properties.name"
    r = await client.post("/api/v1/match", json=query(name=["Acme"], address=["x" * 501]))
    assert r.status_code == 422 and r.json()["field"] == "queries.q.properties.address"
    started = time.perf_counter()
    r = await client.post("/api/v1/match", json=query(
        name=["Acme"], registrationNumber=["DE-CR:HRB" + " " * 490 + "x"]))
    assert r.status_code == 200
    _fast(2.0, started)


def test_the_secret_key_file_is_never_read_half_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    # An empty key file (a writer that died mid-write) is no key.
    (tmp_path / "secret_key").write_text("")
    key = settings.effective_secret_key()
    assert len(key) > 40 and (tmp_path / "secret_key").read_text() == key
    # Processes starting at the same moment all end up with one whole key.
    fresh = tmp_path / "fresh"
    barrier = threading.Barrier(12)

    def start() -> str:
        barrier.wait()
        return Settings(data_dir=fresh).effective_secret_key()

    with ThreadPoolExecutor(12) as pool:
        keys = set(pool.map(lambda _: start(), range(12)))
    assert len(keys) == 1 and len(keys.pop()) > 40
    assert [p.name for p in fresh.iterdir()] == ["secret_key"]  # no temporary file left
    assert (fresh / "secret_key").stat().st_mode & 0o777 == 0o600


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert r.json()["field"] == field, r.json()


async def test_bad_input_is_a_4xx_naming_the_field(client: Client) -> None:
    odd = base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode()
    short = base64.urlsafe_b64encode(b"[1]").decode()
    huge = base64.urlsafe_b64encode(json.dumps([10**30]).encode()).decode()
    for url in (f"/api/v1/entities?cursor={odd}", f"/api/v1/meetings?cursor={short}",
                f"/api/v1/contracts?cursor={short}", f"/api/v1/entities?cursor={huge}",
                f"/api/v1/links?cursor={huge}", f"/api/v1/registrants?cursor={odd}"):
        _problem(await client.get(url), 400, "cursor")
    _problem(await client.get("/api/v1/entities/99999999999999999999"), 400, "entity_id")
    _problem(await client.get("/api/v1/meetings?registrant_id=99999999999999999999"), 400,
             "registrant_id")
    for day in ("9999-12-31", "0001-01-01"):
        _problem(await client.get(f"/api/v1/entities/1/owners?as_of={day}"), 400, "as_of")
        _problem(await client.get(f"/api/v1/meetings?date_to={day}"), 400, "date_to")
        _problem(await client.get(f"/api/v1/contracts?date_from={day}"), 400, "date_from")
    _problem(await client.get("/api/v1/search?q=a%00b"), 400, "q")
    _problem(await client.get("/api/v1/exports/bods?dataset=%00"), 400, "dataset")
    _problem(await client.get("/api/v1/search?q=%ff"), 400, "q")
    deep = "[" * 5_000 + "]" * 5_000
    r = await client.post("/api/v1/match", content=deep,
                          headers={"content-type": "application/json"})
    _problem(r, 400, "body")
    # A token whose payload carries huge numbers is a 401, not a crash.
    payload = base64.urlsafe_b64encode(json.dumps(
        {"sub": 10**400, "iat": 1e400, "exp": 10**400}).encode()).decode().rstrip("=")
    r = await client.get("/api/v1/accounts/me",
                         headers={"Authorization": f"Bearer rt1.{payload}.AAAA"})
    _problem(r, 401)


async def test_search_depth_is_capped_before_any_backend(client: Client) -> None:
    deep = base64.urlsafe_b64encode(json.dumps([1.0, 1, 10_001]).encode()).decode()
    _problem(await client.get(f"/api/v1/search?q=acme&cursor={deep}"), 400, "cursor")
    edge = base64.urlsafe_b64encode(json.dumps([1.0, 1, 9_990]).encode()).decode()
    _problem(await client.get(f"/api/v1/search?q=acme&cursor={edge}&limit=20"), 400, "cursor")
    r = await client.get(f"/api/v1/search?q=acme&cursor={edge}&limit=10")
    assert r.status_code == 200


async def test_requests_have_timeouts_and_exports_their_own_pool(
        app: Litestar, client: Client) -> None:
    # The app's engines live on the test client's event loop: use them there.
    portal = client.blocking_portal
    held: list[Any] = []

    async def show() -> tuple[Any, Any]:
        async with app.state.sessionmaker() as session:
            return (await session.scalar(text("SHOW statement_timeout")),
                    await session.scalar(text("SHOW idle_in_transaction_session_timeout")))

    async def hold() -> None:
        for _ in range(limits.EXPORT_CONNECTIONS):
            held.append(await app.state.export_engine.connect())

    async def release() -> None:
        for connection in held:
            await connection.close()

    assert portal.call(show) == ("30s", "1min")
    # Slow readers hold every download slot: downloads wait their turn (503), the rest of
    # the API does not notice.
    portal.call(hold)
    try:
        started = time.perf_counter()
        r = await client.get("/api/v1/exports/jsonl")
        _problem(r, 503)
        assert int(r.headers["Retry-After"]) > 0
        assert (await client.get("/api/v1/entities")).status_code == 200
        _fast(2.0, started)
    finally:
        portal.call(release)
    assert (await client.get("/api/v1/exports/csv/datasets")).status_code == 200
