"""BODS 0.4 export: valid against the official schema (libcovebods), round-trips through
the importer, never carries restricted details; CLI file and streaming HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from importers.bods.schema import check_statement
from registry.exports.bods import export_bods
from registry.models import Entity
from tests.bods_support import (
    history_statements,
    libcove_errors,
    snapshot,
    standards_dir,
    write_json,
)

Client = AsyncTestClient[Litestar]


def _check_valid(path: Path) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    assert [check_statement(s) for s in statements if check_statement(s)] == []
    errors = libcove_errors(path)
    assert errors == [], [e.__dict__ for e in errors[:3]]
    return statements


async def test_examples_round_trip_and_validate(database_url: str, session: AsyncSession,
                                                tmp_path: Path) -> None:
    examples = sorted((standards_dir() / "bods-0.4" / "examples").glob("*.json"))
    history = write_json(tmp_path / "history.json", history_statements())
    for n, path in enumerate([history, *examples]):
        source, copy = f"src-{n}", f"copy-{n}"
        imported = await import_bods(database_url, [str(path)], source)
        assert imported.summary.skipped == 0, (path.name, imported.summary.reasons)
        out = tmp_path / f"{source}.json"
        counts = await export_bods(database_url, out, [source])
        statements = _check_valid(out)
        assert counts["statements"] == len(statements)
        again = await import_bods(database_url, [str(out)], copy)
        assert again.summary.skipped == 0
        assert await snapshot(session, copy) == await snapshot(session, source), path.name
        # Importing the export a second time changes nothing.
        same = await import_bods(database_url, [str(out)], copy)
        assert same.summary.unchanged == len(statements)
    manifest = json.loads((tmp_path / "src-0.json.manifest.json").read_text())
    assert manifest["format"] == "bods" and manifest["counts"]["relationship"] == 3


async def test_demo_export_is_valid_public_and_round_trips(
        demo: Any, database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    await export_bods(database_url, out, ["demo-bods"])
    statements = _check_valid(out)
    raw = out.read_text("utf-8")
    assert "1968-04-17" not in raw and "3 Elm Close" not in raw and "restricted" not in raw
    john = next(s for s in statements
                if s["recordId"] == "person-john-smith-1968")
    assert john["recordDetails"]["birthDate"] == "1968-04"
    await import_bods(database_url, [str(out)], "demo-copy")
    src, copy = await snapshot(session, "demo-bods"), await snapshot(session, "demo-copy")
    assert copy["relationships"] == src["relationships"]

    def public(e: tuple[Any, ...]) -> tuple[Any, ...]:
        # Addresses take BODS's shape; an entity's other names lose their type (BODS has
        # only alternateNames for entities; persons' name types survive).
        names = e[11] if e[0] == "person" else sorted(n for n, _ in e[11])
        return (*e[:8], e[9], names, e[12])

    for key, entity in src["entities"].items():
        assert public(copy["entities"][key]) == public(entity), key


async def test_http_stream_and_cli(demo: Any, database_url: str, client: Client,
                                   tmp_path: Path) -> None:
    r = await client.get("/api/v1/exports/bods", params={"dataset": "demo-bods"})
    assert r.status_code == 200
    statements = json.loads(r.content)
    path = write_json(tmp_path / "http.json", statements)
    _check_valid(path)
    assert "1968-04-17" not in r.text and "3 Elm Close" not in r.text
    everything = await client.get("/api/v1/exports/bods")
    all_statements = json.loads(everything.content)
    assert len(all_statements) > len(statements)
    # Several datasets: record ids carry the dataset, references too.
    assert all("/" in s["recordId"] for s in all_statements)
    rels = [s for s in all_statements if s["recordType"] == "relationship"]
    ids = {s["recordId"] for s in all_statements}
    assert rels and all(s["recordDetails"]["subject"] in ids for s in rels)

    from registry.cli import cli

    out = tmp_path / "cli.jsonl"
    # The command runs its own event loop: keep it off this one.
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["export", "bods", "--out", str(out), "--dataset", "demo-bods"],
        env={"REGISTRY_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(s["statementId"] for s in lines) == sorted(s["statementId"]
                                                             for s in statements)


async def test_published_details_are_stored_once_and_exported(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    # Details no column holds (uri, publicListing, deathDate) survive the round trip: a 0.4
    # statement's are read from its version, an upgraded 0.3 one's from Entity.data.
    company = {"isComponent": False, "entityType": {"type": "registeredEntity"},
               "name": "Listed Co plc", "uri": "https://example.org/listed-co",
               "publicListing": {"hasPublicListing": True},
               "identifiers": [{"scheme": "GB-COH", "id": "07654321"}]}
    person = {"isComponent": False, "personType": "knownPerson",
              "names": [{"type": "legal", "fullName": "Ann Example"}],
              "birthDate": "1950-03-04", "deathDate": "2020-05"}
    source = [{"statementId": sid.ljust(32, "0"), "statementDate": "2024-01-01",
               "recordId": key, "recordType": kind, "recordStatus": "new",
               "declarationSubject": "c1", "recordDetails": details}
              for sid, key, kind, details in (("a1", "c1", "entity", company),
                                              ("a2", "p1", "person", person))]
    await import_bods(database_url, [str(write_json(tmp_path / "new.json", source))], "new")
    await import_bods(database_url, [str(Path(__file__).parent / "data" / "bods" /
                                         "bods-0.3.json")], "old")
    data = (await session.scalars(select(Entity.data).where(Entity.dataset == "new"))).all()
    assert data and all("details" not in d for d in data)

    out = tmp_path / "export.json"
    await export_bods(database_url, out, ["new"])
    exported = {s["recordId"]: s["recordDetails"] for s in _check_valid(out)
                if s["recordType"] != "relationship"}
    assert exported["c1"] == company
    assert exported["p1"] == {**person, "birthDate": "1950-03"}
    assert "1950-03-04" not in out.read_text("utf-8")

    await export_bods(database_url, out, ["old"])
    old = [s for s in _check_valid(out) if s["recordType"] == "person"]
    assert old[0]["recordDetails"]["birthDate"] == "1960-02"
    assert old[0]["recordDetails"]["names"] == [{"type": "legal", "fullName": "Old Owner"}]
    assert "1960-02-03" not in out.read_text("utf-8")
