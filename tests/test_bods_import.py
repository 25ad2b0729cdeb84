"""``registry import bods``: the standard's own valid and invalid statements, history,
idempotence, old versions, packaging and privacy."""

from __future__ import annotations

import csv
import gzip
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from importers.bods.schema import check_statement
from registry.models import Entity, ImportError_, Interest, RecordVersion, Relationship
from tests.bods_support import history_statements, libcove_errors, standards_dir, write_json

DATA = Path(__file__).parent / "data" / "bods"


def _statements(path: Path) -> list[Any]:
    value = json.loads(path.read_text("utf-8"))
    return value if isinstance(value, list) else [value]


def test_schema_check_agrees_with_libcovebods_on_the_standards_test_files() -> None:
    tests = standards_dir() / "bods-0.4" / "tests"
    files = sorted(tests.glob("*-statements/*.json"))
    assert len(files) >= 300
    disagreements = []
    for path in files:
        ours = any(check_statement(s) for s in _statements(path))
        if not isinstance(json.loads(path.read_text("utf-8")), list):
            ours = True  # the importer refuses a bare object: see test below
        theirs = bool(libcove_errors(path))
        expected_invalid = path.parent.name == "invalid-statements"
        if ours != expected_invalid or (theirs != expected_invalid
                                        and path.name != "statements_not_array.json"):
            disagreements.append((path.name, ours, theirs))
    # libcovebods reads a bare object as one statement and accepts it; the standard (and we)
    # refuse it, since a BODS file is an array of statements.
    assert disagreements == []


async def test_imports_every_valid_file_and_reports_every_invalid_one(
        database_url: str, session: AsyncSession) -> None:
    tests = standards_dir() / "bods-0.4" / "tests"
    # The standard's test files reuse statementIds (each file stands alone), so each goes
    # into a dataset of its own.
    valid_files = sorted((tests / "valid-statements").glob("*.json"))
    for n, path in enumerate(valid_files):
        result = await import_bods(database_url, [str(path)], f"valid-{n}")
        s = result.summary
        assert (s.read, s.skipped, s.imported) == (1, 0, 1), (path.name, s.reasons)
    stored = await session.scalar(select(func.count()).select_from(RecordVersion))
    assert stored == len(valid_files)

    files = sorted((tests / "invalid-statements").glob("*.json"))
    invalid = await import_bods(database_url, [str(f) for f in files], "invalid")
    assert invalid.summary.skipped == invalid.summary.read == len(files)
    assert invalid.summary.imported == invalid.summary.updated == 0
    for table in ("record_versions", "entities", "relationships"):
        n = await session.scalar(text(f"SELECT count(*) FROM {table} WHERE dataset = 'invalid'"))
        assert n == 0, table
    errors = {Path(e.path).name: e for e in (await session.scalars(select(ImportError_))).all()}
    assert set(errors) == {f.name for f in files}
    assert errors["statements_not_array.json"].reason.startswith("not a BODS package")
    # Each reason names the field the standard's expected_errors.csv names.
    with (tests / "invalid-statements" / "expected_errors.csv").open() as fh:
        expected = {row[0]: row for row in csv.reader(fh) if row}
    misses = []
    for name, row in expected.items():
        field = row[3].strip()  # the CSV has a stray trailing space or two
        if field and field not in errors[name].reason:
            misses.append((name, field, errors[name].reason))
    assert misses == []
    assert all(e.position == "item 1" for n, e in errors.items()
               if n != "statements_not_array.json")


async def test_history_idempotence_and_summary(database_url: str, session: AsyncSession,
                                               tmp_path: Path) -> None:
    stmts = history_statements()
    bad = dict(stmts[0], statementId="short")
    path = write_json(tmp_path / "h.json", [*stmts[:3], bad, *stmts[3:]])
    first = await import_bods(database_url, [str(path)])
    s = first.summary
    assert (s.read, s.imported, s.updated, s.skipped, s.unchanged) == (7, 3, 3, 1, 0)
    error = (await session.scalars(select(ImportError_))).one()
    assert error.position == "item 4" and "statementId" in error.reason

    rels = (await session.scalars(select(Relationship).order_by(Relationship.valid_from))).all()
    assert [(r.statement_id or "")[:2] for r in rels] == ["s3", "s4", "s6"]
    assert [r.is_current for r in rels] == [False, False, True]
    assert rels[0].valid_to == rels[1].valid_from and rels[1].valid_to == rels[2].valid_from
    assert rels[2].is_closed and rels[2].valid_to is None
    assert [i.share_exact for i in rels[0].interests] == [30]
    company = (await session.scalars(select(Entity).where(Entity.source_key == "c1"))).one()
    assert company.name == "Acme Limited" and rels[0].subject_id == company.id
    person = (await session.scalars(select(Entity).where(Entity.source_key == "p1"))).one()
    assert person.birth_date == "1975-06" and person.restricted == {"birth_date": "1975-06-20"}
    assert "1975-06-20" not in json.dumps(person.data)

    counts = await _table_counts(session)
    again = await import_bods(database_url, [str(path)])
    s = again.summary
    assert (s.imported, s.updated, s.unchanged, s.skipped) == (0, 0, 6, 1)
    assert await _table_counts(session) == counts


async def _table_counts(session: AsyncSession) -> dict[str, Any]:
    out = {}
    for table in ("entities", "entity_names", "entity_identifiers", "relationships",
                  "interests", "record_versions"):
        out[table] = await session.scalar(text(f"SELECT count(*) FROM {table}"))
    out["rows"] = (await session.execute(text(
        "SELECT id, is_current, valid_to FROM relationships ORDER BY id"))).all()
    return out


async def test_out_of_order_versions_and_late_parties(database_url: str,
                                                      session: AsyncSession,
                                                      tmp_path: Path) -> None:
    s = history_statements()
    # Relationship versions newest first, in a batch before the entities they name.
    order = [s[5], s[3], s[2], s[0], s[1], s[4]]
    path = write_json(tmp_path / "o.json", order)
    result = await import_bods(database_url, [str(path)], batch_size=2)
    assert result.dangling == 0 and result.summary.skipped == 0
    rels = (await session.scalars(select(Relationship).order_by(Relationship.valid_from))).all()
    assert [(r.statement_id or "")[:2] for r in rels] == ["s3", "s4", "s6"]
    assert [r.is_current for r in rels] == [False, False, True]
    assert all(r.subject_id is not None and r.interested_party_id is not None for r in rels)
    company = (await session.scalars(select(Entity).where(Entity.source_key == "c1"))).one()
    assert company.name == "Acme Limited"  # the 2021 version, though it came last


async def test_packaging_lines_gzip_zip(database_url: str, session: AsyncSession,
                                        tmp_path: Path) -> None:
    s = history_statements()
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as fh:
        fh.write("\n".join(json.dumps(x) for x in s[:2]) + "\n{broken\n")
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as zf:
        zf.writestr("inner.json", json.dumps(s[2:]))
    result = await import_bods(database_url, [str(tmp_path)])
    assert result.summary.read == 7 and result.summary.skipped == 1
    error = (await session.scalars(select(ImportError_))).one()
    assert error.position == "line 3" and error.path.endswith("a.jsonl.gz")
    assert await session.scalar(select(func.count()).select_from(Relationship)) == 3


async def test_bods_03_statements_with_replaces(database_url: str, session: AsyncSession) -> None:
    result = await import_bods(database_url, [str(DATA / "bods-0.3.json")], "old")
    assert result.summary.skipped == 0, result.summary.reasons
    company = (await session.scalars(select(Entity).where(Entity.kind == "company"))).one()
    # The replacing statement joined the first statement's record.
    assert company.source_key == "openownership-register-000000000001"
    assert company.name == "Old Co Limited"
    rels = (await session.scalars(select(Relationship).order_by(Relationship.id))).all()
    assert len(rels) == 1 and rels[0].subject_id == company.id
    interest = (await session.scalars(select(Interest))).one()
    assert (interest.share_min, interest.share_max) == (Decimal(25), Decimal(50))
    assert interest.share_exclusive_min and not interest.share_exclusive_max
    versions = await session.scalar(select(func.count()).select_from(RecordVersion))
    assert versions == 4


async def test_input_overlapping_what_is_stored(database_url: str, session: AsyncSession,
                                                tmp_path: Path) -> None:
    # A first import copies each batch's versions without looking first; a later input that
    # repeats some of them makes that copy fail, and the batch is stored the careful way.
    s = history_statements()
    first = await import_bods(database_url, [str(write_json(tmp_path / "a.json", s[:3]))])
    assert (first.summary.imported, first.summary.unchanged) == (3, 0)
    path = write_json(tmp_path / "b.json", s)
    result = await import_bods(database_url, [str(path)], batch_size=2)
    r = result.summary
    assert (r.imported, r.updated, r.unchanged, r.skipped) == (0, 3, 3, 0)
    rels = (await session.scalars(select(Relationship).order_by(Relationship.valid_from))).all()
    assert [(x.statement_id or "")[:2] for x in rels] == ["s3", "s4", "s6"]
    assert [x.is_current for x in rels] == [False, False, True]
    versions = await session.scalar(select(func.count()).select_from(RecordVersion))
    assert versions == 6


async def test_crash_mid_import_resumes_without_duplicates(
        database_url: str, session: AsyncSession, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importers.bods.importer as bods

    s = history_statements()
    path = write_json(tmp_path / "h.json", s)
    real = bods.write_batch
    calls = 0

    async def dies_on_the_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed")
        await real(*args)

    monkeypatch.setattr(bods, "write_batch", dies_on_the_second_batch)
    with pytest.raises(RuntimeError, match="killed"):
        await import_bods(database_url, [str(path)], batch_size=2)
    # The first batch (s1, s2) is committed with its checkpoint; the second rolled back.
    assert await session.scalar(select(func.count()).select_from(RecordVersion)) == 2
    monkeypatch.setattr(bods, "write_batch", real)
    resumed = await import_bods(database_url, [str(path)], batch_size=2)
    r = resumed.summary
    assert (r.read, r.imported, r.updated, r.unchanged) == (4, 1, 3, 0)
    assert await session.scalar(select(func.count()).select_from(RecordVersion)) == 6
    rels = (await session.scalars(select(Relationship).order_by(Relationship.valid_from))).all()
    assert [x.is_current for x in rels] == [False, False, True]
