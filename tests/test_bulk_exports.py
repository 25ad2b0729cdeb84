"""The bulk writers of ``registry publish`` (JSON built by PostgreSQL) against the exports'
Python writers on the same register: the same objects, valid, and nothing restricted."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.db.driver import session_driver
from registry.exports.bods import export_datasets, iter_statements
from registry.exports.bulk_bods import write_bods_array
from registry.exports.dumps import iter_jsonl
from registry.exports.ftm import iter_ftm
from registry.exports.publish import publish
from tests.bods_support import (
    SECRETS,
    history_statements,
    libcove_errors,
    restricted_person_statements,
    standards_dir,
    write_json,
)


async def _register(database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    """The demo, the BODS examples, a history, and a person whose restricted details were
    written into public columns by an older importer."""
    from registry.demo.load import load_demo

    assert await load_demo(database_url)
    examples = sorted((standards_dir() / "bods-0.4" / "examples").glob("*.json"))
    history = write_json(tmp_path / "history.json", history_statements())
    private = write_json(tmp_path / "private.json", restricted_person_statements())
    for n, path in enumerate([history, private, *examples]):
        result = await import_bods(database_url, [str(path)], f"src-{n}")
        assert result.summary.skipped == 0, (path.name, result.summary.reasons)
    await session.execute(text(
        "UPDATE entities SET addresses = addresses || "
        "'[{\"type\": \"residence\", \"address\": \"1 Secret Lane, Leeds\"}]'::jsonb, "
        "birth_date = '1961-02-13', "
        "data = jsonb_set(data, '{details}', CAST(:details AS jsonb)) "
        "WHERE source_key = 'p1' AND dataset = 'src-1'"),
        {"details": json.dumps(restricted_person_statements()[0]["recordDetails"])})
    await session.commit()


def _same_statement(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old == new:
        return True
    # A version without a date is dated "now", which the two writers read apart.
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return ({**old, "statementDate": ""} == {**new, "statementDate": ""}
            and old["statementDate"].startswith(today)
            and new["statementDate"].startswith(today))


async def test_bods_from_postgresql_equals_the_python_writer(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    await _register(database_url, session, tmp_path)
    exporter = await export_datasets(session, None)
    assert len(exporter.datasets) > 3
    old = [s async for s in iter_statements(session, exporter)]
    out = io.BytesIO()
    counts = await write_bods_array(await session_driver(session), exporter, out)
    new = json.loads(out.getvalue())
    assert out.getvalue().startswith(b"[\n{") and out.getvalue().endswith(b"}\n]\n")
    assert len(new) == len(old) == counts["statements"]
    assert {k: counts[k] for k in exporter.counts} == exporter.counts
    for a, b in zip(old, new, strict=True):
        assert _same_statement(a, b), (a, b)

    path = tmp_path / "bods.json"
    path.write_bytes(out.getvalue())
    errors = libcove_errors(path)
    assert errors == [], [e.__dict__ for e in errors[:3]]
    for secret in (*SECRETS, "Secret Lane"):
        assert secret.encode() not in out.getvalue(), secret
    person = next(s for s in new if s["recordId"] == "src-1/p1")
    assert person["recordDetails"]["birthDate"] == "1961-02"
    assert "placeOfBirth" not in person["recordDetails"]


async def test_published_snapshot_keeps_restricted_details_out(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    await _register(database_url, session, tmp_path)
    folder = await publish(database_url, tmp_path / "downloads")
    # FtM built by PostgreSQL: the Python writer's bytes.
    old_ftm = b"".join([chunk async for chunk in iter_ftm(session)])
    assert old_ftm.count(b"\n") > 50
    assert (folder / "registry.ftm.json").read_bytes() == old_ftm
    # JSON Lines through COPY: the bytes the cursor-based writer gives.
    old_jsonl = b"".join([chunk async for chunk in iter_jsonl(session)])
    assert (folder / "registry.jsonl").read_bytes() == old_jsonl
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (*SECRETS, "Secret Lane"):
                assert secret.encode() not in data, (path.name, secret)

