"""Throttling behind a reverse proxy: X-Forwarded-For names the client only when the
connection comes from ``REGISTRY_TRUSTED_PROXIES``; by default (none) it is ignored, so a
client cannot pick its own address to dodge the sign-up and sign-in throttles."""

from __future__ import annotations

import dataclasses
import ipaddress
from contextlib import AbstractContextManager

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.client_address import resolve
from registry.app import create_app
from registry.auth import throttle
from registry.models import LoginAttempt
from registry.serve import UVICORN_OPTIONS
from registry.settings import Settings, parse_networks
from tests.served_support import served as serve_app

PROXIES = parse_networks("10.0.0.0/8, 2001:db8::/32 192.0.2.7")


def test_the_header_counts_only_from_a_trusted_proxy() -> None:
    assert resolve("203.0.113.9", ["198.51.100.1"], PROXIES) == "203.0.113.9"
    assert resolve("10.1.2.3", ["198.51.100.1"], ()) == "10.1.2.3"
    assert resolve("10.1.2.3", ["198.51.100.1"], PROXIES) == "198.51.100.1"
    # what the client wrote itself stays left of what the proxy appended
    assert resolve("10.1.2.3", ["1.1.1.1, 2.2.2.2, 198.51.100.1"], PROXIES) == "198.51.100.1"
    # a chain of trusted proxies, in two header lines, ports and brackets
    assert resolve("10.1.2.3", ["198.51.100.1:5555", "192.0.2.7, 10.9.9.9"], PROXIES) \
        == "198.51.100.1"
    assert resolve("2001:db8::1", ["[2001:db8::2]:443, 2001:db8::3"], PROXIES) == "2001:db8::2"
    assert resolve("::ffff:10.0.0.1", ["198.51.100.1"], PROXIES) == "198.51.100.1"
    # only trusted hops, or garbage: the last trusted hop is the client as far as we know
    assert resolve("10.1.2.3", ["10.0.0.5"], PROXIES) == "10.0.0.5"
    assert resolve("10.1.2.3", ["evil, 10.0.0.5"], PROXIES) == "10.0.0.5"
    assert resolve("10.1.2.3", [], PROXIES) == "10.1.2.3"
    assert resolve("testclient", ["198.51.100.1"], PROXIES) == "testclient"


def test_the_setting() -> None:
    assert Settings.from_env({}).trusted_proxies == ()
    assert Settings.from_env({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/8,::1"}).trusted_proxies \
        == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))
    with pytest.raises(ValueError, match="REGISTRY_TRUSTED_PROXIES: 'nonsense'"):
        Settings.from_env({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/8 nonsense"})


def _served(settings: Settings, database_url: str) -> AbstractContextManager[str]:
    """The app as ``registry serve`` runs it (uvicorn, its options), on 127.0.0.1: every
    connection comes from 127.0.0.1, as from a proxy on the same machine."""
    return serve_app(create_app(settings, database_url), **UVICORN_OPTIONS)


async def _sign_ups(url: str, forwarded: list[str]) -> list[int]:
    """Sign-ups refused for a short password: cheap, and counted by the throttle."""
    statuses = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for n, address in enumerate(forwarded):
            r = await http.post("/api/v1/accounts", headers={"X-Forwarded-For": address},
                                json={"email": f"s{n}@example.org", "password": "short"})
            statuses.append(r.status_code)
    return statuses


async def _addresses(session: AsyncSession) -> set[str | None]:
    found = set((await session.scalars(select(LoginAttempt.ip))).all())
    await session.commit()
    return found


async def test_without_trusted_proxies_the_header_is_ignored(
        settings: Settings, database_url: str, session: AsyncSession) -> None:
    n = throttle.MAX_SIGN_UPS_PER_ADDRESS
    with _served(settings, database_url) as url:
        statuses = await _sign_ups(url, [f"198.51.100.{i}" for i in range(n + 1)])
    assert statuses == [422] * n + [429]  # one client however the header varies
    assert await _addresses(session) == {"127.0.0.1"}


async def test_behind_a_trusted_proxy_each_client_has_its_own_count(
        settings: Settings, database_url: str, session: AsyncSession) -> None:
    n = throttle.MAX_SIGN_UPS_PER_ADDRESS
    trusting = dataclasses.replace(settings, trusted_proxies=parse_networks("127.0.0.1"))
    with _served(trusting, database_url) as url:
        many = await _sign_ups(url, [f"1.2.3.4, 198.51.100.{i}" for i in range(n + 1)])
        one = await _sign_ups(url, [f"198.51.100.{i}, 203.0.113.7" for i in range(n + 1)])
    assert many == [422] * (n + 1)  # n + 1 clients behind the proxy: none throttled
    assert one == [422] * n + [429]  # one client, whatever it writes in the header itself
    assert await _addresses(session) == {f"198.51.100.{i}" for i in range(n + 1)} \
        | {"203.0.113.7"}
