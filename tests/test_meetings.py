"""Meetings: declared by registrants, imported from officials' diaries, reconciled, listed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.meetings import import_meetings
from registry.models import AuditLog, Entity, ImportError_, Meeting
from registry.settings import Settings

from .lobbying_support import Client, account, create_draft, entry, publish

COLUMNS = ["id", "date", "official", "official_role", "institution", "registrant",
           "registration_number", "subject", "legislation", "location", "clients"]


def diary(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


async def _registrant(client: Client, session: AsyncSession, settings: Settings,
                      name: str = "Green Streets Alliance") -> tuple[dict[str, Any],
                                                                   dict[str, str]]:
    member = await account(session, settings, f"m{name[:3].lower()}@example.org")
    registrar = await account(session, settings, f"r{name[:3].lower()}@example.org",
                              "registrar")
    return await publish(client, member, registrar, entry(name=name)), member


MEETING = {"date": "2025-03-04", "subject": "Cycle lanes on Rue de la Loi",
           "officials": [{"name": "Marc Dupont", "role": "Alderman",
                          "institution": "City of Brussels"}],
           "legislation": "Good Move plan", "location": "City Hall"}


async def test_declared_meeting_is_public_and_one_sided(client: Client, session: AsyncSession,
                                                        settings: Settings) -> None:
    reg, member = await _registrant(client, session, settings)
    r = await client.post(f"/api/v1/registrants/{reg['id']}/meetings", json=MEETING,
                          headers=member)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["declared_by"] == "registrant" and body["one_sided"] is True
    assert body["registrant"]["registration_number"] == reg["registration_number"]
    assert body["source_key"] == f"{reg['registration_number']}/meeting/1"
    listed = (await client.get("/api/v1/meetings")).json()["items"]
    assert [m["id"] for m in listed] == [body["id"]]
    assert (await session.scalars(select(AuditLog.action).where(
        AuditLog.object_type == "meeting"))).all() == ["meeting.declare"]


async def test_meeting_validation(client: Client, session: AsyncSession,
                                  settings: Settings) -> None:
    reg, member = await _registrant(client, session, settings)
    url = f"/api/v1/registrants/{reg['id']}/meetings"
    future = {**MEETING, "date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    r = await client.post(url, json=future, headers=member)
    assert r.status_code == 422 and r.json()["field"] == "date"
    r = await client.post(url, json={**MEETING, "officials": []}, headers=member)
    assert r.status_code == 422 and r.json()["field"] == "officials"
    r = await client.post(url, json={**MEETING, "officials": [{"name": "X"}]}, headers=member)
    assert r.status_code == 422 and r.json()["field"] == "institution"
    # a draft registrant declares nothing
    draft = await create_draft(client, member)
    r = await client.post(f"/api/v1/registrants/{draft['id']}/meetings", json=MEETING,
                          headers=member)
    assert r.status_code == 409


async def test_diary_import_reconciles_and_flags(client: Client, session: AsyncSession,
                                                 settings: Settings, database_url: str,
                                                 tmp_path: Path) -> None:
    reg, member = await _registrant(client, session, settings)
    declared = (await client.post(f"/api/v1/registrants/{reg['id']}/meetings", json=MEETING,
                                  headers=member)).json()
    path = diary(tmp_path / "brussels.csv", [
        # the same meeting, from the official's side, with the name spelt differently
        {"id": "d1", "date": "2025-03-04", "official": "Marc DUPONT", "official_role": "Alderman",
         "institution": "City of Brussels", "registrant": "GREEN STREETS ALLIANCE",
         "subject": "Mobility"},
        # a meeting the registrant did not declare
        {"id": "d2", "date": "2025-04-01", "official": "Marc Dupont",
         "institution": "City of Brussels", "registration_number": reg["registration_number"],
         "subject": "Parking policy"},
        # an organisation not in the register
        {"id": "d3", "date": "2025-04-02", "official": "Marc Dupont; Lea Stein",
         "official_role": "Alderman; Adviser", "institution": "City of Brussels",
         "registrant": "Unregistered Motors Ltd", "subject": "Car parks"},
        {"id": "d4", "date": "04/05/2025", "official": "Marc Dupont",
         "institution": "City of Brussels", "registrant": "X", "subject": "Bad date"},
        {"id": "d5", "date": "2025-04-06", "official": "", "institution": "City of Brussels",
         "registrant": "X", "subject": "No official"},
    ])
    summary = await import_meetings(database_url, [str(path)], dataset="brussels-diary")
    assert (summary.read, summary.imported, summary.skipped) == (5, 3, 2)
    errors = (await session.scalars(select(ImportError_).order_by(ImportError_.id))).all()
    assert [(e.position, e.reason.split(":")[0]) for e in errors] == [
        ("line 5", "bad date"), ("line 6", "missing official")]

    page = (await client.get("/api/v1/meetings")).json()["items"]
    by_subject = {m["subject"]: m for m in page}
    assert set(by_subject) == {"Cycle lanes on Rue de la Loi", "Parking policy", "Car parks"}
    both = by_subject["Cycle lanes on Rue de la Loi"]
    assert both["id"] == declared["id"] and both["declared_by"] == "both"
    assert both["one_sided"] is False and both["merged"] == ["d1"]
    assert by_subject["Parking policy"]["declared_by"] == "official"
    assert by_subject["Parking policy"]["one_sided"] is True
    assert by_subject["Parking policy"]["registrant"]["id"] == reg["id"]
    unregistered = by_subject["Car parks"]
    assert unregistered["registrant"] is None
    assert unregistered["registrant_name"] == "Unregistered Motors Ltd"
    assert [o["role"] for o in unregistered["officials"]] == ["Alderman", "Adviser"]
    assert unregistered["officials"][1]["entity"]["keys"] == ["official/lea stein"]
    # the duplicate's own URL shows the reconciled meeting
    dup = (await session.scalars(select(Meeting).where(Meeting.source_key == "d1"))).one()
    assert (await client.get(f"/api/v1/meetings/{dup.id}")).json()["id"] == declared["id"]

    # re-importing the same file changes nothing
    again = await import_meetings(database_url, [str(path)], dataset="brussels-diary",
                                  resume=False)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    assert await session.scalar(select(func.count()).select_from(Meeting)) == 4
    assert await session.scalar(select(func.count()).select_from(Entity).where(
        Entity.dataset == "brussels-diary")) == 3  # two officials, one institution


async def test_diary_first_then_declaration_reconciles(client: Client, session: AsyncSession,
                                                       settings: Settings, database_url: str,
                                                       tmp_path: Path) -> None:
    reg, member = await _registrant(client, session, settings)
    path = diary(tmp_path / "d.csv", [
        {"id": "x1", "date": "2025-03-04", "official": "Marc Dupont",
         "institution": "City of Brussels", "registration_number": reg["registration_number"],
         "subject": "Mobility"}])
    await import_meetings(database_url, [str(path)], dataset="brussels-diary")
    r = await client.post(f"/api/v1/registrants/{reg['id']}/meetings", json=MEETING,
                          headers=member)
    assert r.json()["declared_by"] == "both" and r.json()["merged"] == ["x1"]
    # another date is another meeting
    r = await client.post(f"/api/v1/registrants/{reg['id']}/meetings",
                          json={**MEETING, "date": "2025-03-05"}, headers=member)
    assert r.json()["declared_by"] == "registrant"
    assert len((await client.get("/api/v1/meetings")).json()["items"]) == 2


async def test_meeting_filters_and_cursor(client: Client, session: AsyncSession,
                                          settings: Settings, demo: dict[str, Any]) -> None:
    reg, member = await _registrant(client, session, settings)
    for i in range(3):
        await client.post(f"/api/v1/registrants/{reg['id']}/meetings", headers=member, json={
            **MEETING, "date": f"2025-0{i + 1}-10", "subject": f"Topic {i}"})

    async def subjects(**params: Any) -> list[str]:
        r = await client.get("/api/v1/meetings", params=params)
        assert r.status_code == 200, r.text
        return [m["subject"] for m in r.json()["items"]]

    assert await subjects(registrant_id=reg["id"]) == ["Topic 2", "Topic 1", "Topic 0"]
    assert await subjects(official="delgado") == ["Building permits backlog",
                                                  "Road resurfacing programme 2024"]
    assert await subjects(institution="ayuntamiento") == await subjects(official="delgado")
    assert await subjects(date_from="2025-01-15", date_to="2025-02-28") == ["Topic 1"]
    assert await subjects(subject="PERMITS") == ["Building permits backlog"]
    assert await subjects(one_sided="false") == ["Road resurfacing programme 2024"]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await client.get("/api/v1/meetings", params=params)).json()
        seen += [m["subject"] for m in page["items"]]
        if not page["next"]:
            break
        params["cursor"] = page["next"]
    assert seen == ["Topic 2", "Topic 1", "Topic 0", "Building permits backlog",
                    "Road resurfacing programme 2024"]
    madrid = next(m for m in (await client.get("/api/v1/meetings")).json()["items"]
                  if m["subject"] == "Building permits backlog")
    assert madrid["institution"]["name"] == "Ayuntamiento de Madrid"
    assert madrid["registrant"]["registration_number"] == "R000002"


def test_cli_import_meetings(database_url: str, tmp_path: Path,
                             monkeypatch: Any) -> None:
    from click.testing import CliRunner

    from registry.cli import cli

    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    path = diary(tmp_path / "d.csv", [
        {"id": "c1", "date": "2025-03-04", "official": "Marc Dupont",
         "institution": "City of Brussels", "registrant": "Someone", "subject": "S"}])
    result = CliRunner().invoke(cli, ["import", "meetings", str(path), "--dataset", "bxl"])
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output


async def test_diary_with_a_repeated_id_keeps_the_last_line(session: AsyncSession,
                                                            database_url: str,
                                                            tmp_path: Path) -> None:
    row = {"id": "same", "date": "2025-03-04", "official": "Marc Dupont",
           "institution": "City of Brussels", "registrant": "Someone", "subject": "First"}
    path = diary(tmp_path / "d.csv", [row, {**row, "subject": "Second"}])
    summary = await import_meetings(database_url, [str(path)], dataset="bxl")
    assert (summary.imported, summary.updated) == (1, 1)
    assert (await session.scalars(select(Meeting.subject))).all() == ["Second"]


async def test_diary_without_required_columns_is_reported(session: AsyncSession,
                                                          database_url: str,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("when,who\n2025-01-01,X\n")
    summary = await import_meetings(database_url, [str(path)], dataset="bxl")
    assert summary.skipped == 1 and summary.imported == 0
    error = (await session.scalars(select(ImportError_))).one()
    assert error.position == "line 1" and "missing columns" in error.reason


async def test_diary_in_latin1_and_a_byte_that_cannot_be_decoded(
        session: AsyncSession, database_url: str, tmp_path: Path) -> None:
    row = {"date": "2025-03-04", "official": "Jose Perez", "institution": "Ayuntamiento",
           "registrant": "Someone"}
    path = tmp_path / "latin.csv"
    with path.open("w", newline="", encoding="iso-8859-1") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for n, subject in enumerate(["Obras", "Tráfico", "Parques"]):
            writer.writerow({**{c: "" for c in COLUMNS}, **row, "id": f"m{n}",
                             "subject": subject})
    summary = await import_meetings(database_url, [str(path)], dataset="latin",
                                    encoding="iso-8859-1")
    assert (summary.imported, summary.skipped) == (3, 0)
    subjects = set((await session.scalars(select(Meeting.subject))).all())
    assert subjects == {"Obras", "Tráfico", "Parques"}

    # As UTF-8 the á spoils its own line only: reported with its line and column, the
    # others imported.
    summary = await import_meetings(database_url, [str(path)], dataset="utf8")
    assert (summary.imported, summary.skipped) == (2, 1)
    error = (await session.scalars(select(ImportError_))).one()
    assert error.path == str(path) and error.position == "line 3"
    assert error.reason == "column subject: cannot decode as utf-8 (see --encoding)"
