"""The OCDS importer's worker processes write exactly what one process writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import importers.ocds.parallel as ocds_parallel
from importers.ocds.importer import import_ocds
from registry.models import ImportError_, ImportRun
from synthetic.ocds_releases import generate

DATA = Path(__file__).parent / "data" / "ocds"

# Every row the importer writes, by natural keys (ids differ between datasets).
_ROWS = {
    "contracts": """SELECT c.ocid, c.compiled, c.release_count, c.title, c.description,
        c.status, c.date, c.value_amount, c.value_currency, b.source_key
        FROM contracts c LEFT JOIN entities b ON b.id = c.buyer_id WHERE c.dataset = :d""",
    "entities": """SELECT source_key, kind, name, statement_id, country, addresses, data,
        valid_from FROM entities WHERE dataset = :d""",
    "names": """SELECT e.source_key, n.name, n.type, n.normalized FROM entity_names n
        JOIN entities e ON e.id = n.entity_id WHERE e.dataset = :d""",
    "identifiers": """SELECT e.source_key, i.scheme, i.value, i.normalized
        FROM entity_identifiers i JOIN entities e ON e.id = i.entity_id WHERE e.dataset = :d""",
    "parties": """SELECT c.ocid, e.source_key, p.party_id, p.role FROM contract_parties p
        JOIN contracts c ON c.id = p.contract_id JOIN entities e ON e.id = p.entity_id
        WHERE c.dataset = :d""",
    "awards": """SELECT c.ocid, a.award_id, a.status, a.date, a.value_amount, e.source_key
        FROM awards a JOIN contracts c ON c.id = a.contract_id
        LEFT JOIN award_suppliers s ON s.award_id = a.id LEFT JOIN entities e ON e.id = s.entity_id
        WHERE c.dataset = :d""",
    "agreements": """SELECT c.ocid, g.agreement_id, g.award_id, g.status, g.value_amount
        FROM contract_agreements g JOIN contracts c ON c.id = g.contract_id
        WHERE c.dataset = :d""",
    "history": """SELECT source_key, version_key, valid_from, content, seq FROM record_versions
        WHERE dataset = :d""",
    "queued": "SELECT ocid FROM contracts_pending WHERE dataset = :d",
    # The outbox is a queue: triggers add an entity once per transaction, so how often it
    # appears depends on batching; which entities wait is what must agree.
    "outbox": """SELECT DISTINCT e.source_key FROM search_outbox o
        JOIN entities e ON e.id = o.entity_id
        WHERE e.dataset = :d""",
}


async def rows(session: AsyncSession, dataset: str) -> dict[str, list[str]]:
    session.expire_all()
    out: dict[str, list[str]] = {}
    for name, sql in _ROWS.items():
        result = await session.execute(text(sql), {"d": dataset})
        out[name] = sorted(json.dumps(list(r), default=str, sort_keys=True) for r in result)
    return out


async def errors(session: AsyncSession, dataset: str) -> list[tuple[str, str]]:
    found = await session.execute(
        select(ImportError_.position, ImportError_.reason).join(
            ImportRun, ImportRun.id == ImportError_.run_id).where(ImportRun.dataset == dataset))
    return sorted((p, r) for p, r in found)


def _inputs(tmp_path: Path) -> tuple[list[Path], list[Path]]:
    """Two imports: generated processes cut in two (the second run extends compiled
    releases), the test fixtures, and a release that cannot be merged."""
    releases = list(generate(600))
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in releases[:350]))
    second.write_text("".join(json.dumps(r) + "\n" for r in releases[350:]))
    base = {"ocid": "ocds-test-merge", "tag": ["planning"], "initiationType": "tender"}
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps([
        {**base, "id": "p1", "date": "2024-01-01T00:00:00Z", "planning": {"budget": "text"}},
        {**base, "id": "p2", "date": "2024-02-01T00:00:00Z",
         "planning": {"budget": {"id": "b1"}}}]))
    return ([first, DATA / "release-package.json", clash],
            [second, DATA / "update-package.json", DATA / "record-package.json"])


async def test_worker_processes_write_what_one_process_writes(
        database_url: str, session: AsyncSession, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _inputs(tmp_path)
    serial = [(await import_ocds(database_url, paths, dataset="serial", workers=1)).as_dict()
              for paths in (first, second)]

    ranges = 0
    real = ocds_parallel.compile_parallel

    async def counting(*args: Any, **kwargs: Any) -> None:
        nonlocal ranges
        ranges += 1
        await real(*args, **kwargs)

    monkeypatch.setattr(ocds_parallel, "compile_parallel", counting)
    monkeypatch.setattr(ocds_parallel, "PARALLEL_FROM", 1)
    parallel = [(await import_ocds(database_url, paths, dataset="parallel", workers=2,
                                   chunk=13)).as_dict() for paths in (first, second)]
    assert ranges == 2  # both runs went through the worker processes
    assert parallel == serial
    assert serial[0]["skipped"] == 1 and serial[0]["imported"] > 100
    assert serial[1]["updated"] > 50  # the second run extended processes of the first
    expected = await rows(session, "serial")
    assert len(expected["contracts"]) > 200 and not expected["queued"]
    assert await rows(session, "parallel") == expected
    # The worker stored the report of the release it could not merge, with its position.
    reported = await errors(session, "parallel")
    assert reported == await errors(session, "serial")
    assert [p for p, _ in reported] == ["item 2, release p2 of ocds-test-merge"]

    # Importing the same input again through the workers changes nothing.
    again = await import_ocds(database_url, [*first, *second], dataset="parallel", workers=2,
                              chunk=13)
    assert again.imported == again.updated == 0 and again.unchanged == again.read - 1
    assert await rows(session, "parallel") == expected
