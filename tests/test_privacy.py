"""Privacy (registry/privacy.py): a BODS person's residential address, place of birth and day
of birth are published nowhere (API, page, /match, every export, the stored history), and a
registrar's comment on a link is not in the dumps."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.models import Entity, RecordVersion
from tests.bods_support import SECRETS, restricted_person_statements, write_json

Client = AsyncTestClient[Litestar]
async def _import(database_url: str, tmp_path: Path, session: AsyncSession) -> Entity:
    path = write_json(tmp_path / "p.json", restricted_person_statements())
    result = await import_bods(database_url, [str(path)], "priv")
    assert result.summary.imported == 1, result.summary.reasons
    return (await session.scalars(select(Entity).where(Entity.source_key == "p1"))).one()


def _clean(body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, secret


async def test_restricted_person_details_are_kept_apart(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    person = await _import(database_url, tmp_path, session)
    assert person.birth_date == "1961-02"
    assert [a["type"] for a in person.addresses] == ["service"]
    assert person.restricted["birth_date"] == "1961-02-13"
    assert person.restricted["addresses"][0]["address"] == "1 Secret Lane, Leeds"
    assert person.restricted["placeOfBirth"]["address"] == "Ballymena"
    version = (await session.scalars(select(RecordVersion))).one()
    _clean(json.dumps(version.content))
    assert version.content["recordDetails"]["birthDate"] == "1961-02"


async def test_no_reader_publishes_them(database_url: str, session: AsyncSession,
                                        client: Client, tmp_path: Path) -> None:
    person = await _import(database_url, tmp_path, session)
    # Rows written before the importer learnt the rule (or by another writer) hold them in
    # the public column: every reader must still leave them out.
    await session.execute(text(
        "UPDATE entities SET addresses = addresses || "
        "'[{\"type\": \"residence\", \"address\": \"1 Secret Lane, Leeds\"}, "
        "{\"type\": \"placeOfBirth\", \"address\": \"Ballymena\"}]'::jsonb, "
        "birth_date = '1961-02-13' WHERE id = :id"), {"id": person.id})
    await session.execute(text(
        "UPDATE record_versions SET content = jsonb_set(content, '{recordDetails,birthDate}',"
        " '\"1961-02-13\"')"))
    await session.commit()
    bodies = []
    for url in (f"/api/v1/entities/{person.id}", f"/entities/{person.id}",
                "/api/v1/exports/jsonl", "/api/v1/exports/csv/entities",
                "/api/v1/exports/ftm", "/api/v1/exports/bods?dataset=priv"):
        response = await client.get(url)
        assert response.status_code == 200, url
        bodies.append((url, response.text))
    match = await client.post("/api/v1/match", json={"queries": {"q": {
        "schema": "Person", "properties": {"name": ["Hidden Home Person"]}}}}, params={
        "threshold": 0})
    assert match.status_code == 200
    assert match.json()["responses"]["q"]["results"], match.json()
    bodies.append(("/match", match.text))
    for url, body in bodies:
        assert "2 Public Street" in body, url  # the service address is public
        for secret in SECRETS:
            assert secret not in body, (url, secret)


async def test_link_comments_are_not_exported(
        demo: dict[str, Any], session: AsyncSession, client: Client) -> None:
    await session.execute(text(
        "INSERT INTO links (left_id, right_id, score, status, method, matcher_version, "
        "comment) SELECT min(id), max(id), 1, 'confirmed', 'human', 'x', "
        "'registrar note: private' FROM entities"))
    await session.commit()
    jsonl = await client.get("/api/v1/exports/jsonl")
    assert '"matcher_version":"x"' in jsonl.text.replace(" ", "")
    assert "registrar note" not in jsonl.text
    csv_links = await client.get("/api/v1/exports/csv/links")
    assert csv_links.status_code == 200 and "registrar note" not in csv_links.text


async def test_csv_cells_that_spreadsheets_would_run_are_neutralised(
        session: AsyncSession, client: Client, database_url: str, tmp_path: Path) -> None:
    names = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "Plain Name"]
    for n, name in enumerate(names):
        session.add(Entity(dataset="csv", source_key=f"k{n}", kind="company", name=name))
    await session.commit()
    body = (await client.get("/api/v1/exports/csv/entities")).text
    rows = {r["source_key"]: r for r in csv.DictReader(io.StringIO(body))}
    assert [rows[f"k{n}"]["name"] for n in range(len(names))] == [
        "'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2+3", "'@SUM(A1)", "Plain Name"]
    assert rows["k0"]["id"].isdigit()  # numbers untouched
    # JSON Lines is data, not a spreadsheet: kept as it is.
    assert '"name":"=HYPERLINK' in (await client.get("/api/v1/exports/jsonl")).text.replace(
        " ", "")
