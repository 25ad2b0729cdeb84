"""OCDS export: a record package that validates offline against OCDS 1.1 and round-trips;
the CLI and the streaming HTTP endpoint give the same records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.ocds.importer import import_ocds
from registry.cli import cli
from registry.db.engine import make_engine, make_sessionmaker
from registry.exports.manifest import manifest_path
from registry.exports.ocds import export_ocds
from registry.models import Contract, RecordVersion
from registry.standards.ocds import errors

DATA = Path(__file__).parent / "data" / "ocds"
INPUTS = [DATA / "release-package.json", DATA / "update-package.json",
          DATA / "record-package.json"]


async def export(database_url: str, out: Path, **kwargs: Any) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        await export_ocds(make_sessionmaker(engine), out, **kwargs)
    finally:
        await engine.dispose()
    opener = gzip.open if out.suffix == ".gz" else open
    with opener(out, "rt", encoding="utf-8") as fh:
        if ".jsonl" in out.suffixes:
            return {"records": [json.loads(line) for line in fh]}
        package: dict[str, Any] = json.load(fh)
        return package


async def test_record_package_validates_and_embeds_every_release(
        database_url: str, session: AsyncSession, tmp_path: Path, demo: dict[str, Any]) -> None:
    await import_ocds(database_url, INPUTS)
    out = tmp_path / "records.json"
    package = await export(database_url, out)
    assert errors(package, "record-package-schema.json") == []
    assert package["version"] == "1.1"
    records = {r["ocid"]: r for r in package["records"]}
    assert len(records) == 4 + 3  # the test processes and the demo's
    stored = (await session.execute(select(RecordVersion.source_key, RecordVersion.content)
                                    .order_by(RecordVersion.valid_from))).all()
    for ocid, record in records.items():
        assert record["releases"] == [c for k, c in stored if k == ocid]  # in date order
        compiled = (await session.scalars(select(Contract.compiled).where(
            Contract.ocid == ocid))).one()
        assert record["compiledRelease"] == compiled
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["counts"] == {"records": 7, "releases": len(stored)}
    assert manifest["files"][0]["bytes"] == out.stat().st_size


async def test_export_round_trips(database_url: str, tmp_path: Path) -> None:
    await import_ocds(database_url, INPUTS, dataset="original")
    first = await export(database_url, tmp_path / "first.json", datasets=["original"])
    summary = await import_ocds(database_url, [tmp_path / "first.json"], dataset="copy")
    assert summary.skipped == 0
    second = await export(database_url, tmp_path / "second.json.gz", datasets=["copy"])
    assert second["records"] == first["records"]
    # Importing the export into the dataset it came from changes nothing.
    again = await import_ocds(database_url, [tmp_path / "first.json"], dataset="original")
    assert again.imported == again.updated == 0 and again.unchanged == again.read


async def test_json_lines_and_unchanged_exports_are_identical(database_url: str,
                                                              tmp_path: Path) -> None:
    await import_ocds(database_url, INPUTS)
    lines = await export(database_url, tmp_path / "records.jsonl")
    package = await export(database_url, tmp_path / "records.json")
    assert lines["records"] == package["records"]
    for record in lines["records"]:
        assert errors({**package, "records": [record]}, "record-package-schema.json") == []
    # Nothing changed, so nothing differs, publishedDate included (watchdogs diff dumps).
    await export(database_url, tmp_path / "again.json")
    assert _bytes(tmp_path / "records.json") == _bytes(tmp_path / "again.json")


def _bytes(path: Path) -> bytes:
    return path.read_bytes()


async def test_http_export_streams_the_same_records(client: AsyncTestClient[Litestar],
                                                    database_url: str, tmp_path: Path) -> None:
    await import_ocds(database_url, INPUTS)
    expected = await export(database_url, tmp_path / "cli.json")
    r = await client.get("/api/v1/exports/ocds")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    package = r.json()
    assert errors(package, "record-package-schema.json") == []
    assert package["records"] == expected["records"]
    r = await client.get("/api/v1/exports/ocds", params={"format": "jsonl"})
    assert [json.loads(line) for line in r.text.splitlines()] == expected["records"]
    r = await client.get("/api/v1/exports/ocds", params={"dataset": "nothing-here"})
    assert r.json()["records"] == []
    r = await client.get("/api/v1/exports/ocds", params={"format": "xml"})
    assert r.status_code == 400 and r.json()["field"] == "format"


def test_cli_import_then_export(database_url: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ocid": "ocds-x"}\n')
    result = runner.invoke(cli, ["import", "ocds", *map(str, INPUTS), str(bad),
                                 "--dataset", "cli"])
    assert result.exit_code == 0, result.output
    assert "read 8" in result.output and "skipped 1" in result.output
    assert "missing field" in result.output
    out = tmp_path / "export.jsonl.gz"
    result = runner.invoke(cli, ["export", "ocds", "--out", str(out), "--dataset", "cli"])
    assert result.exit_code == 0, result.output
    assert "4 records" in result.output
    with gzip.open(out, "rt") as fh:
        assert len(fh.readlines()) == 4
    assert manifest_path(out).exists()
