"""``registry diff OLD NEW`` and scheduled publishing inside ``serve``."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import registry.exports.publish as publish_module
from registry.app import create_app
from registry.cli import cli
from registry.exports.diff import diff_snapshots
from registry.exports.publish import publish
from registry.exports.schedule import due_in, publish_if_due
from registry.models import Entity, EntityName
from registry.settings import Settings, parse_interval


async def test_diff_lists_added_removed_and_changed_rows_per_table(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_module, "_snapshot_name", lambda: "20260101T000000Z")
    old = await publish(database_url, tmp_path)
    acme = (await session.scalars(select(Entity).where(
        Entity.source_key == "GB-COH-07654321"))).one()
    acme.name = "Acme Holdings Group Ltd"
    acme_id = acme.id
    session.add(Entity(dataset="register", source_key="new-1", kind="company", name="Newco"))
    name = (await session.scalars(select(EntityName).where(
        EntityName.entity_id == acme_id))).first()
    assert name is not None
    removed_name = name.name
    await session.delete(name)
    await session.commit()
    monkeypatch.setattr(publish_module, "_snapshot_name", lambda: "20260102T000000Z")
    new = await publish(database_url, tmp_path)

    out = io.StringIO()
    counts = diff_snapshots(old, new, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    changed = [x for x in lines if x["table"] == "entities" and x["change"] == "changed"]
    assert [x["key"] for x in changed] == [{"id": str(acme_id)}]
    assert changed[0]["changes"]["name"] == ["Acme Holdings Ltd", "Acme Holdings Group Ltd"]
    added = [x for x in lines if x["table"] == "entities" and x["change"] == "added"]
    assert [x["row"]["name"] for x in added] == ["Newco"]
    names = [(x["change"], x["row"]["name"]) for x in lines if x["table"] == "entity_names"]
    assert ("removed", removed_name) in names
    assert counts["entities changed"] == 1 and counts["entities added"] == 1
    assert not any(x["table"] == "contracts" for x in lines)  # unchanged tables are skipped

    result = CliRunner().invoke(cli, ["diff", str(old), str(old)])
    assert result.exit_code == 0 and result.stdout == ""
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), "--out",
                                      str(tmp_path / "d.jsonl")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.jsonl").read_text() == out.getvalue()


async def test_publish_is_due_once_per_interval(
    database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    assert parse_interval("") == 0 and parse_interval("6h") == 21600
    assert parse_interval("90m") == 5400 and parse_interval("3600") == 3600
    hourly = dataclasses.replace(settings, publish_every=3600)
    assert due_in(hourly.downloads_dir, 3600) == 0
    first = await publish_if_due(database_url, hourly)
    assert first is not None and first.parent == hourly.downloads_dir
    assert await publish_if_due(database_url, hourly) is None  # not due yet
    assert 3500 < due_in(hourly.downloads_dir, 3600) <= 3600


async def test_serve_publishes_on_its_schedule(
    database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    app = create_app(dataclasses.replace(settings, publish_every=3600), database_url)
    async with AsyncTestClient(app=app) as client:
        for _ in range(600):
            listing = (await client.get("/downloads/index.json")).json()
            if listing["latest"]:
                break
            await asyncio.sleep(0.1)
        assert listing["latest"]
        r = await client.get("/api/v1/exports/jsonl", follow_redirects=False)
        assert r.status_code == 307


def test_publish_command_writes_where_downloads_are_served(
    database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    env = {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_DATA_DIR": str(tmp_path),
           "REGISTRY_LOG_FORMAT": "console"}
    result = CliRunner().invoke(cli, ["publish", "--keep", "1"], env=env)
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.strip())
    assert folder.parent == tmp_path / "downloads"
    assert (folder / "datapackage.json").is_file()
