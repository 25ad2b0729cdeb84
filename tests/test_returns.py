"""Periodic returns: periods, deadlines, filing, the public overdue flag."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Registrant
from registry.returns.periods import owed_periods, period_of
from registry.settings import Settings

from .lobbying_support import Client, account, publish


def test_periods_are_calendar_blocks() -> None:
    p = period_of(dt.date(2025, 8, 17), 6, 30)
    assert (p.start, p.end, p.due) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31),
                                       dt.date(2026, 1, 30))
    q = period_of(dt.date(2025, 2, 1), 3, 15)
    assert (q.start, q.end) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    owed = owed_periods(dt.date(2024, 5, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1), 6, 30)
    assert [p.start for p in owed] == [dt.date(2024, 1, 1), dt.date(2024, 7, 1),
                                       dt.date(2025, 1, 1), dt.date(2025, 7, 1)]


async def test_overdue_returns_are_public_until_filed(client: Client, session: AsyncSession,
                                                      settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    public = await publish(client, member, registrar)
    rid = public["id"]
    assert public["returns"]["overdue"] is False  # registered today: nothing owed yet

    # registered a year and a half ago
    reg = await session.get(Registrant, rid)
    assert reg is not None
    reg.registered_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=550)
    await session.commit()
    returns = (await client.get(f"/api/v1/registrants/{rid}/returns")).json()
    assert len(returns) >= 2 and returns[0]["period_start"] > returns[-1]["period_start"]
    overdue = [r for r in returns if r["status"] == "overdue"]
    assert overdue
    view = (await client.get(f"/api/v1/registrants/{rid}")).json()
    assert view["returns"]["overdue"] is True
    assert view["returns"]["overdue_periods"] == sorted(r["period_start"] for r in overdue)

    url = f"/api/v1/registrants/{rid}/returns"
    r = await client.post(url, headers=member, json={"period_start": "2001-01-01",
                                                     "costs_band": "0-9999"})
    assert r.status_code == 422 and r.json()["field"] == "period_start"
    r = await client.post(url, headers=member, json={
        "period_start": overdue[0]["period_start"], "costs_band": "lots"})
    assert r.status_code == 422 and r.json()["field"] == "costs_band"
    for item in overdue:
        r = await client.post(url, headers=member, json={
            "period_start": item["period_start"], "costs_band": "10000-24999",
            "subject_matters": ["transport"], "activities": "Meetings on the mobility plan."})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "filed"
    view = (await client.get(f"/api/v1/registrants/{rid}")).json()
    assert view["returns"]["overdue"] is False
    filed = (await client.get(url)).json()
    assert {r["status"] for r in filed} <= {"filed", "due"}
    assert any(r["activities"] == "Meetings on the mobility plan." for r in filed)
    # amending a filed return keeps one return for the period
    r = await client.post(url, headers=member, json={
        "period_start": overdue[0]["period_start"], "costs_band": "25000-49999"})
    assert r.status_code == 200
    again = (await client.get(url)).json()
    assert len(again) == len(filed)
    assert next(x for x in again if x["period_start"] == overdue[0]["period_start"])[
        "costs_band"] == "25000-49999"
