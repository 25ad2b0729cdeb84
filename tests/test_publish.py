"""``registry publish``: a complete, consistent, valid snapshot, renamed into place."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.exports.publish import LATEST, publish, snapshots
from registry.models import Entity

RESTRICTED = ("1968-04-17", "Elm Close")  # in the demo's `restricted` column only


async def test_snapshot_of_the_demo_has_every_format_and_validates(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path
) -> None:
    from frictionless import Package

    folder = await publish(database_url, tmp_path / "downloads")
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert {"registry.jsonl", "registry.ftm.json", "bods.json", "ocds-records.json",
            "links.jsonl", "datapackage.json", "csv/entities.csv", "csv/meetings.csv"} <= names
    for f in manifest["files"]:
        data = (folder / f["name"]).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
        for secret in RESTRICTED:
            assert secret.encode() not in data, f["name"]
    # No stray per-file manifests, no temporary directory left behind.
    assert not list(folder.glob("*.manifest.json"))
    assert [n for n in os.listdir(tmp_path / "downloads") if n.startswith(".")] == []
    n_entities = await session.scalar(select(func.count()).select_from(Entity))
    assert manifest["counts"]["csv/entities"] == n_entities
    with (folder / "csv" / "entities.csv").open() as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == n_entities
    assert manifest["counts"]["bods/statements"] > 0 and manifest["counts"]["ocds/records"] == 3

    package = json.loads((folder / "datapackage.json").read_text())
    entities = next(r for r in package["resources"] if r["name"] == "entities")
    assert entities["schema"]["primaryKey"] == ["id"]
    assert {"fields": "dataset", "reference": {"resource": "datasets", "fields": "name"}} \
        in entities["schema"]["foreignKeys"]
    assert {f["name"]: f["type"] for f in entities["schema"]["fields"]}["id"] == "integer"
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["sources"]

    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "note"])
    assert (tmp_path / "downloads" / LATEST).resolve() == folder.resolve()


async def test_a_broken_foreign_key_fails_validation(
    database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    """The validation above can fail: a snapshot whose names point nowhere does not pass."""
    from frictionless import Package

    folder = await publish(database_url, tmp_path)
    names = folder / "csv" / "entity_names.csv"
    lines = names.read_text().splitlines()
    lines.append("999999999,Nobody,legal,")
    names.write_text("\n".join(lines) + "\n")
    package = json.loads((folder / "datapackage.json").read_text())
    for r in package["resources"]:  # keep the checksums out of the way
        r.pop("hash"), r.pop("bytes")
    (folder / "datapackage.json").write_text(json.dumps(package))
    report = Package(str(folder / "datapackage.json")).validate()
    assert not report.valid
    assert "foreign-key" in {e.type for t in report.tasks for e in t.errors}


async def test_only_the_newest_are_kept_and_a_failure_leaves_nothing(
    database_url: str, demo: dict[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.exports.publish as publish_module

    made = []
    for second in range(3):
        monkeypatch.setattr(publish_module, "_snapshot_name",
                            lambda s=second: f"20260101T00000{s}Z")
        made.append(await publish(database_url, tmp_path, keep=2))
    assert [p.name for p in snapshots(tmp_path)] == ["20260101T000002Z", "20260101T000001Z"]

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_module, "_snapshot_name", lambda: "20260101T000009Z")
    monkeypatch.setattr(publish_module, "_write_ftm", broken)
    with pytest.raises(RuntimeError):
        await publish(database_url, tmp_path, keep=2)
    assert sorted(os.listdir(tmp_path)) == [
        "20260101T000001Z", "20260101T000002Z", LATEST]


async def test_every_file_describes_the_same_moment(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entity committed while the snapshot is being written is in none of its files."""
    import registry.exports.publish as publish_module
    original = publish_module._write_jsonl

    async def write_during(sessionmaker: Any, out: Path) -> None:
        session.add(Entity(dataset="register", source_key="late", kind="company",
                           name="Latecomer Ltd"))
        await session.commit()
        await original(sessionmaker, out)

    monkeypatch.setattr(publish_module, "_write_jsonl", write_during)
    folder = await publish(database_url, tmp_path)
    for name in ("csv/entities.csv", "registry.jsonl", "registry.ftm.json", "bods.json"):
        assert b"Latecomer" not in (folder / name).read_bytes(), name
    assert await session.scalar(select(func.count()).select_from(Entity).where(
        Entity.name == "Latecomer Ltd")) == 1
