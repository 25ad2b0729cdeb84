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


async def test_drafts_are_members_only_and_filing_clears_them(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    member = await account(session, settings, "ana@example.org")
    registrar = await account(session, settings, "reg@example.org", "registrar")
    other = await account(session, settings, "bo@example.org")
    rid = (await publish(client, member, registrar))["id"]
    reg = await session.get(Registrant, rid)
    assert reg is not None
    reg.registered_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=550)
    await session.commit()
    url = f"/api/v1/registrants/{rid}/returns"
    overdue = [r["period_start"] for r in (await client.get(url)).json()
               if r["status"] == "overdue"]
    first, second = overdue[-1], overdue[-2]
    drafts = f"{url}/drafts"

    # Unfinished: no costs band yet. A wrong code is refused at once, with its field.
    r = await client.put(f"{drafts}/{first}", headers=member,
                         json={"activities": "Half written.", "subject_matters": ["nope"]})
    assert r.status_code == 422 and r.json()["field"] == "subject_matters[0]"
    r = await client.put(f"{drafts}/{first}", headers=member, json={"activities": "Half written."})
    assert r.status_code == 200, r.text
    assert r.json()["draft"]["activities"] == "Half written." and r.json()["filed"] is False
    assert (await client.put(f"{drafts}/2001-01-01", headers=member, json={})).json()[
        "field"] == "period_start"
    current = period_of(dt.date.today(), settings.returns_period_months,
                        settings.returns_due_days).start.isoformat()
    assert (await client.put(f"{drafts}/{current}", headers=member, json={})).status_code == 200

    # Nobody else sees it; the public still sees the period as overdue.
    assert (await client.get(f"{drafts}/{first}", headers=member)).json()["draft"][
        "activities"] == "Half written."
    assert (await client.get(f"{drafts}/{first}", headers=other)).status_code == 403
    assert (await client.get(f"{drafts}/{first}")).status_code == 401
    public = {r["period_start"]: r for r in (await client.get(url)).json()}
    assert public[first]["status"] == "overdue" and public[first]["activities"] is None
    assert "Half written" not in (await client.get(f"/api/v1/registrants/{rid}")).text

    # Filing clears the draft.
    r = await client.post(url, headers=member, json={
        "period_start": first, "costs_band": "0-9999", "activities": "Finished."})
    assert r.status_code == 200, r.text
    assert (await client.get(f"{drafts}/{first}", headers=member)).status_code == 404

    # A draft amendment leaves the filed return as the public sees it.
    r = await client.put(f"{drafts}/{first}", headers=member, json={"activities": "Amending."})
    assert r.json()["filed"] is True
    public = {r["period_start"]: r for r in (await client.get(url)).json()}
    assert public[first]["status"] == "filed" and public[first]["activities"] == "Finished."

    # Discarding: the amendment's draft goes, the filed return stays; a draft-only period
    # goes back to owing a return.
    assert (await client.delete(f"{drafts}/{first}", headers=member)).status_code == 204
    assert (await client.get(f"{drafts}/{first}", headers=member)).status_code == 404
    await client.put(f"{drafts}/{second}", headers=member, json={"costs_band": "0-9999"})
    assert (await client.delete(f"{drafts}/{second}", headers=other)).status_code == 403
    assert (await client.delete(f"{drafts}/{second}", headers=member)).status_code == 204
    public = {r["period_start"]: r for r in (await client.get(url)).json()}
    assert public[first]["activities"] == "Finished." and public[second]["status"] == "overdue"
