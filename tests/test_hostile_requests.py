"""One anonymous request must not take the service down: patterns are linear and bounded,
/match has a budget per query."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.accounts.service import is_email
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
