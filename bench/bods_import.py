"""Benchmark: ``registry import bods`` against a raw ``COPY`` of the same rows.

    .venv/bin/python -m bench.bods_import [--n 1000000] [--batch-size 5000]

Generates N BODS 0.4 statements as JSON Lines (companies, persons, relationships: each
person owns a company, every third company owns the previous one), then in one run on a
fresh database (embedded PostgreSQL, or ``REGISTRY_DATABASE_URL``):

1. baseline: read and parse the same file, ``COPY`` each statement as one row
   (record type, record id, statement id, content) into an unindexed table, in batches of
   the same size;
2. the importer: schema check, mapping, versions, entities with names and identifiers,
   relationship versions with interests, checkpoints.

Prints statements/s for both and the importer's share of the baseline's rate, and the
process's resident memory sampled through each phase (start, middle, end, peak).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from importers.bods import import_bods
from importers.sources import iter_items
from registry.db.engine import make_engine


def statements(n: int) -> Iterator[dict[str, Any]]:
    publication = {"publicationDate": "2024-01-01", "bodsVersion": "0.4",
                   "publisher": {"name": "bench"}}
    i = 0
    k = 0
    while i < n:
        company = {
            "statementId": f"{k:012d}-entity-0000000000000000", "statementDate": "2024-01-01",
            "recordId": f"c{k}", "recordType": "entity", "recordStatus": "new",
            "declarationSubject": f"c{k}", "publicationDetails": publication,
            "recordDetails": {"isComponent": False, "entityType": {"type": "registeredEntity"},
                              "name": f"Company {k} Limited",
                              "identifiers": [{"scheme": "GB-COH", "id": f"{k:08d}"}],
                              "jurisdiction": {"name": "United Kingdom", "code": "GB"},
                              "addresses": [{"type": "registered",
                                             "address": f"{k} High Street, London",
                                             "country": {"name": "United Kingdom",
                                                         "code": "GB"}}]}}
        person = {
            "statementId": f"{k:012d}-person-0000000000000000", "statementDate": "2024-01-01",
            "recordId": f"p{k}", "recordType": "person", "recordStatus": "new",
            "declarationSubject": f"c{k}", "publicationDetails": publication,
            "recordDetails": {"isComponent": False, "personType": "knownPerson",
                              "names": [{"type": "legal", "fullName": f"Person {k} Example"}],
                              "nationalities": [{"name": "United Kingdom", "code": "GB"}],
                              "birthDate": "1970-01"}}
        owner = f"c{k - 1}" if k % 3 == 2 else f"p{k}"
        relationship = {
            "statementId": f"{k:012d}-relation-000000000000000", "statementDate": "2024-01-01",
            "recordId": f"r{k}", "recordType": "relationship", "recordStatus": "new",
            "declarationSubject": f"c{k}", "publicationDetails": publication,
            "recordDetails": {"isComponent": False, "subject": f"c{k}", "interestedParty": owner,
                              "interests": [{"type": "shareholding",
                                             "directOrIndirect": "direct",
                                             "beneficialOwnershipOrControl": owner[0] == "p",
                                             "share": {"exclusiveMinimum": 50, "maximum": 75},
                                             "startDate": "2020-01-01"}]}}
        for s in (company, person, relationship):
            if i < n:
                yield s
                i += 1
        k += 1


class MemorySampler:
    """Samples this process's resident memory every 0.2 s while a phase runs."""

    def __init__(self) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._proc = psutil.Process()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._proc.memory_info().rss)
            self._stop.wait(0.2)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def render(self) -> str:
        s = self.samples or [0]
        mb = [x / 2**20 for x in (s[0], s[len(s) // 2], s[-1], max(s))]
        return "RSS MiB start {:.0f}  middle {:.0f}  end {:.0f}  peak {:.0f}".format(*mb)


async def raw_copy(url: str, path: Path, batch_size: int) -> int:
    engine = make_engine(url)
    n = 0
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.execute("CREATE TABLE bench_raw (record_type text, record_id text, "
                                 "statement_id text, content jsonb)")
            batch: list[tuple[Any, ...]] = []
            for item in iter_items([path]):
                s = item.value
                batch.append((s["recordType"], s["recordId"], s["statementId"],
                              json.dumps(s)))
                if len(batch) >= batch_size:
                    await driver.copy_records_to_table("bench_raw", records=batch)
                    n += len(batch)
                    batch = []
            if batch:
                await driver.copy_records_to_table("bench_raw", records=batch)
                n += len(batch)
    finally:
        await engine.dispose()
    return n


def _database() -> tuple[str, Any]:
    url = os.environ.get("REGISTRY_DATABASE_URL")
    if url:
        return url, None
    from registry.db.embedded import ensure_database, start_embedded

    server = start_embedded(Path(tempfile.mkdtemp(prefix="bench-bods-")), cleanup_mode="delete")
    return ensure_database(server, "bench"), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    args = parser.parse_args()

    from registry.db.migrate import upgrade

    url, server = _database()
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "statements.jsonl"
            started = time.perf_counter()
            with path.open("w") as fh:
                for s in statements(args.n):
                    fh.write(json.dumps(s) + "\n")
            print(f"generated {args.n:,} statements ({path.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)

            with MemorySampler() as mem_copy:
                started = time.perf_counter()
                copied = asyncio.run(raw_copy(url, path, args.batch_size))
                copy_s = time.perf_counter() - started
            print(f"raw COPY   {copied:,} rows in {copy_s:.1f} s: "
                  f"{copied / copy_s:,.0f} statements/s; {mem_copy.render()}", flush=True)

            with MemorySampler() as mem_import:
                started = time.perf_counter()
                result = asyncio.run(import_bods(url, [str(path)], "bench",
                                                 batch_size=args.batch_size, resume=False))
                import_s = time.perf_counter() - started
            summary = result.summary
            print(f"importer   {summary.read:,} statements in {import_s:.1f} s: "
                  f"{summary.read / import_s:,.0f} statements/s; {mem_import.render()}")
            print(f"           imported {summary.imported:,}  skipped {summary.skipped:,}  "
                  f"dangling {result.dangling:,}")
            print(f"importer / raw COPY rate: {(summary.read / import_s) / (copied / copy_s):.2f} "
                  "(goal: at least 0.50)")
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
