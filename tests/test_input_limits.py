"""Registrant-filed meetings and returns: every field and list has a maximum, like a register
entry's (tests/test_registrants.py), and going past it is a 422 problem naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Registrant
from registry.settings import Settings

from .lobbying_support import Client, account, publish

MEETING: dict[str, Any] = {
    "date": "2025-03-04", "subject": "Cycle lanes",
    "officials": [{"name": "Marc Dupont", "role": "Alderman", "institution": "City of Brussels"}]}
RETURN: dict[str, Any] = {"costs_band": "0-9999"}


def _problem(r: Any, field: str) -> None:
    assert r.status_code == 422, (field, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["field"] == field and body["status"] == 422, (field, body)
    assert body["errors"][0]["field"] == field


async def test_every_field_and_list_of_a_meeting_is_bounded(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    url = f"/api/v1/registrants/{(await publish(client, member, registrar))['id']}/meetings"
    official = MEETING["officials"][0]
    for patch, field in (
            ({"subject": "s" * 10_001}, "subject"),
            ({"legislation": "l" * 10_001}, "legislation"),
            ({"location": "l" * 301}, "location"),
            ({"institution": "i" * 301}, "institution"),
            ({"officials": [official] * 101}, "officials"),
            ({"officials": [{**official, "name": "n" * 301}]}, "officials[0].name"),
            ({"officials": [{**official, "role": "r" * 301}]}, "officials[0].role"),
            ({"officials": [official, {**official, "institution": "i" * 301}]},
             "officials[1].institution"),
            ({"clients": ["c"] * 1_001}, "clients"),
            ({"clients": ["c", "c" * 301]}, "clients[1]")):
        _problem(await client.post(url, json={**MEETING, **patch}, headers=member), field)
    r = await client.post(url, json={**MEETING, "subject": "s" * 10_000,
                                     "clients": ["c" * 300] * 1_000}, headers=member)
    assert r.status_code == 201, r.text[:300]  # at the maximum: accepted


async def test_every_field_and_list_of_a_return_is_bounded(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    rid = (await publish(client, member, registrar))["id"]
    reg = await session.get(Registrant, rid)
    assert reg is not None
    reg.registered_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    await session.commit()
    url = f"/api/v1/registrants/{rid}/returns"
    owed = [r for r in (await client.get(url)).json() if r["status"] == "overdue"]
    period = owed[0]["period_start"]
    client_in = {"name": "Client Ltd"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"costs_band": "b" * 101}, "costs_band"),
        ({"activities": "a" * 10_001}, "activities"),
        ({"subject_matters": ["transport"] * 51}, "subject_matters"),
        ({"subject_matters": ["t" * 101]}, "subject_matters[0]"),
        ({"legislative_files": ["f"] * 201}, "legislative_files"),
        ({"legislative_files": ["f", "f" * 301]}, "legislative_files[1]"),
        ({"clients": [client_in] * 1_001}, "clients"),
        ({"clients": [{"name": "c" * 301}]}, "clients[0].name"),
    ]
    for patch, field in cases:
        _problem(await client.post(url, json={**RETURN, "period_start": period, **patch},
                                   headers=member), field)
        _problem(await client.put(f"{url}/drafts/{period}", json={**RETURN, **patch},
                                  headers=member), field)
    r = await client.post(url, json={**RETURN, "period_start": period, "activities": "a" * 10_000,
                                     "legislative_files": ["f" * 300] * 200}, headers=member)
    assert r.status_code == 200, r.text[:300]  # at the maximum: accepted
