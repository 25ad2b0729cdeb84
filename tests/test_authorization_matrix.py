"""Every endpoint against every role: anonymous, registrant of A, registrant of B, registrar,
admin.

The routes are DISCOVERED from the app, so an endpoint merged later is covered without
touching this file; the expectation for each comes from the access level it declares. The
guard must answer 401 (no credentials) or 403 (wrong role) before any handler runs, and must
let every permitted role through. Then explicit cross-tenant checks: nobody reads another
registrant's drafts or changes another's entry; anonymous callers see published data only.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import ADMIN, AUTHENTICATED, PUBLIC, REGISTRANT, REGISTRAR
from registry.settings import Settings

from .lobbying_support import Client, account, create_draft, entry, publish

ROLES = ("anonymous", "registrant_b", "registrant_a", "registrar", "admin")
ALLOWED = {
    PUBLIC: set(ROLES),
    AUTHENTICATED: {"registrant_a", "registrant_b", "registrar", "admin"},
    REGISTRANT: {"registrant_a", "registrar", "admin"},  # the path names registrant A
    REGISTRAR: {"registrar", "admin"},
    ADMIN: {"admin"},
}
PARAM = re.compile(r"\{(\w+):(\w+)\}")


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    a: dict[str, Any]  # registrant A (published, with a newer draft version)
    b: dict[str, Any]
    a_draft_name: str
    b_unpublished: dict[str, Any]


@pytest.fixture
async def world(client: Client, session: AsyncSession, settings: Settings) -> World:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    headers["registrar"] = await account(session, settings, "registrar@example.org", "registrar")
    headers["admin"] = await account(session, settings, "admin@example.org", "admin")
    headers["registrant_a"] = await account(session, settings, "a@example.org")
    headers["registrant_b"] = await account(session, settings, "b@example.org")
    a = await publish(client, headers["registrant_a"], headers["registrar"],
                      entry(name="Alpha Advocacy"))
    b = await publish(client, headers["registrant_b"], headers["registrar"],
                      entry(name="Beta Lobbying"))
    secret_name = "Alpha Secret Rebrand"
    r = await client.patch(f"/api/v1/registrants/{a['id']}", json={"name": secret_name},
                           headers={**headers["registrant_a"], "If-Match": '"1"'})
    assert r.status_code == 200
    unpublished = await create_draft(client, headers["registrant_b"],
                                     entry(name="Beta Unpublished Draft"))
    return World(headers, a, b, secret_name, unpublished)


def _fill(path: str, registrant_id: int) -> str:
    def value(m: re.Match[str]) -> str:
        name, kind = m.group(1), m.group(2)
        if name == "registrant_id":
            return str(registrant_id)
        return {"int": "1", "str": "x", "path": "x", "date": "2025-01-01",
                "uuid": str(uuid.uuid4()), "float": "1.0", "decimal": "1"}.get(kind, "x")
    return PARAM.sub(value, path)


def _operations(app: Litestar) -> list[tuple[str, str, str]]:
    ops: list[tuple[str, str, str]] = []
    for route in app.routes:
        if route.path.startswith("/schema"):
            continue  # the OpenAPI documents: public by design
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(set(handler.http_methods) - {"OPTIONS", "HEAD"}):
                level = handler.opt.get("access")
                assert level in ALLOWED, f"{method} {route.path} declares no access level"
                if level == REGISTRANT:
                    assert "registrant_id" in route.path_parameters, (
                        f"{method} {route.path}: REGISTRANT needs the path parameter "
                        "registrant_id")
                ops.append((method, route.path, level))
    return ops


async def test_every_endpoint_against_every_role(app: Litestar, client: Client,
                                                 world: World) -> None:
    ops = _operations(app)
    assert len(ops) >= 30
    levels = {level for _, _, level in ops}
    assert levels == {PUBLIC, AUTHENTICATED, REGISTRANT, REGISTRAR, ADMIN}
    failures: list[str] = []
    for method, template, level in ops:
        path = _fill(template, world.a["id"])
        # Denied roles first: permitted calls may change state (approve, deregister...).
        for role in sorted(ROLES, key=lambda r: r in ALLOWED[level]):
            kwargs: dict[str, Any] = {"headers": world.headers[role]}
            if method in {"POST", "PUT", "PATCH"}:
                kwargs["json"] = {}
            r = await client.request(method, path, **kwargs)
            if role in ALLOWED[level]:
                if r.status_code in (401, 403):
                    failures.append(f"{method} {template} [{level}] as {role}: "
                                    f"{r.status_code} {r.text[:120]}")
            else:
                expected = 401 if role == "anonymous" else 403
                if r.status_code != expected:
                    failures.append(f"{method} {template} [{level}] as {role}: "
                                    f"{r.status_code}, expected {expected}")
                elif not r.headers["content-type"].startswith("application/problem+json"):
                    failures.append(f"{method} {template} as {role}: not problem+json")
    assert not failures, "\n".join(failures)


async def test_registrant_b_cannot_touch_registrant_a(client: Client, world: World) -> None:
    a = world.a["id"]
    b_headers = world.headers["registrant_b"]
    base = f"/api/v1/registrants/{a}"
    assert (await client.get(f"{base}/draft", headers=b_headers)).status_code == 403
    r = await client.patch(base, json={"name": "Hijacked"},
                           headers={**b_headers, "If-Match": "*"})
    assert r.status_code == 403
    assert (await client.post(f"{base}/submit", headers=b_headers)).status_code == 403
    assert (await client.post(f"{base}/deregister", headers=b_headers)).status_code == 403
    r = await client.post(f"{base}/meetings", headers=b_headers, json={
        "date": "2025-01-01", "subject": "x", "officials": [{"name": "O", "institution": "I"}]})
    assert r.status_code == 403
    r = await client.post(f"{base}/returns", headers=b_headers,
                          json={"period_start": "2025-01-01", "costs_band": "0-9999"})
    assert r.status_code == 403
    # A's versions before publication are not B's to see
    versions = (await client.get(f"{base}/versions", headers=b_headers)).json()
    assert [v["status"] for v in versions] == ["approved"]
    assert (await client.get(f"{base}/versions/2", headers=b_headers)).status_code == 404
    r = await client.get(f"{base}/versions/diff", params={"from": 1, "to": 2},
                         headers=b_headers)
    assert r.status_code == 404
    # nor a registrant's own member approves
    a_headers = world.headers["registrant_a"]
    assert (await client.post(f"{base}/approve", headers=a_headers)).status_code == 403
    # and A's own view is intact
    draft = (await client.get(f"{base}/draft", headers=a_headers)).json()
    assert draft["entry"]["name"] == world.a_draft_name and draft["version"] == 2


async def test_anonymous_callers_see_published_data_only(client: Client, world: World) -> None:
    unpublished = world.b_unpublished["id"]
    for path in (f"/api/v1/registrants/{unpublished}",
                 f"/api/v1/registrants/{unpublished}/versions",
                 f"/api/v1/registrants/{unpublished}/versions/1",
                 f"/api/v1/registrants/{unpublished}/returns"):
        assert (await client.get(path)).status_code == 404, path
        # another registrant's member is as anonymous here
        r = await client.get(path, headers=world.headers["registrant_a"])
        assert r.status_code == 404, path
    bodies = [(await client.get(p)).text for p in (
        "/api/v1/registrants", f"/api/v1/registrants/{world.a['id']}",
        f"/api/v1/registrants/{world.a['id']}/versions", "/api/v1/meetings",
        "/api/v1/entities")]
    for body in bodies:
        assert world.a_draft_name not in body
        assert "Beta Unpublished Draft" not in body
    listed = (await client.get("/api/v1/registrants")).json()["items"]
    assert {x["name"] for x in listed} == {"Alpha Advocacy", "Beta Lobbying"}
    # the registrar sees every version
    versions = (await client.get(f"/api/v1/registrants/{world.a['id']}/versions",
                                 headers=world.headers["registrar"])).json()
    assert [v["status"] for v in versions] == ["approved", "draft"]


async def test_registrar_and_admin_may_act_on_any_entry(client: Client, world: World) -> None:
    b = world.b_unpublished["id"]
    for role in ("registrar", "admin"):
        r = await client.get(f"/api/v1/registrants/{b}/draft", headers=world.headers[role])
        assert r.status_code == 200
