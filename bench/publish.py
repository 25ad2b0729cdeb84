"""Benchmark: ``registry publish`` against a raw ``COPY ... TO`` of the same tables, and the
change feed's cost to imports.

    .venv/bin/python -m bench.publish [--n 150000] [--feed-overhead]

On a fresh database (embedded PostgreSQL, or ``REGISTRY_DATABASE_URL``) it imports N BODS
statements from ``bench/bods_import.py``'s generator (a third each companies, persons and
relationships: N statements give 2N/3 entities), then in one run:

1. baseline: ``COPY <table> TO STDOUT (FORMAT csv)`` of every public table (the raw tables,
   all columns) into files, one after the other: the cost of reading the data out once;
2. ``publish``: every format (CSV per table, JSON Lines, FtM, BODS, OCDS, links), checksums,
   ``datapackage.json``; the process's resident memory sampled throughout.

The baseline runs again after publishing and the faster reading is used (on this shared
machine the same COPY varies between sessions). Publishing reads every row several times
(once per format) and builds JSON in Python for BODS and FtM, so its time is compared both
whole and per format.

``--feed-overhead`` then imports N statements four more times into new datasets, with the
change-feed triggers on, off, off, on (alternating, as the tables grow), and prints the
import rate and CPU seconds (this process and PostgreSQL) with and without them
(``--no-publish``: only this).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.bods_import import CpuMeter, MemorySampler, _database, _load, statements
from importers.bods.importer import import_bods
from registry.db.engine import make_engine
from registry.exports.publish import publish
from registry.exports.tables import PUBLIC_TABLES


async def raw_copy_to(url: str, directory: Path) -> tuple[float, int]:
    """Seconds and bytes for ``COPY <table> TO`` of every public table."""
    engine = make_engine(url)
    total = 0
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            started = time.perf_counter()
            for table in PUBLIC_TABLES:
                path = directory / f"{table.name}.csv"
                with path.open("wb") as fh:
                    async def sink(chunk: bytes, fh: Any = fh) -> None:
                        fh.write(chunk)
                    await driver.copy_from_table(table.name, output=sink, format="csv",
                                                 header=True)
                total += path.stat().st_size
            return time.perf_counter() - started, total
    finally:
        await engine.dispose()


async def analyze(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def set_feed_triggers(url: str, enabled: bool) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            rows = (await conn.execute(text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'changes\\_%'"))).all()
            for table, trigger in rows:
                await conn.execute(text(f'ALTER TABLE {table} '
                                        f'{"ENABLE" if enabled else "DISABLE"} '
                                        f'TRIGGER {trigger}'))
    finally:
        await engine.dispose()


def _timed_publish(url: str, root: Path) -> tuple[float, dict[str, float], Path]:
    steps: dict[str, float] = {}
    current: dict[str, Any] = {"step": "", "since": time.perf_counter()}

    def progress(step: str) -> None:
        timed = re.match(r"^(\w+): ([\d.]+) s$", step)
        if timed:  # a writer's own time (they run in parallel)
            steps[timed.group(1)] = float(timed.group(2))
            return
        now = time.perf_counter()
        if current["step"]:
            steps[current["step"]] = now - current["since"]
        current.update(step=step, since=now)

    started = time.perf_counter()
    folder = asyncio.run(publish(url, root, keep=1, progress=progress))
    return time.perf_counter() - started, steps, folder


def publish_phase(url: str, tmp: Path, n: int, pgdata: Path | None) -> None:
    for d in ("raw1", "raw2"):
        (tmp / d).mkdir()
    with CpuMeter(pgdata) as cpu_copy:
        copy_s, copy_bytes = asyncio.run(raw_copy_to(url, tmp / "raw1"))
    print(f"raw COPY TO   {copy_s:.2f} s, {copy_bytes / 2**20:.0f} MiB; "
          f"{cpu_copy.render(n)}; load {_load()}", flush=True)
    with MemorySampler() as mem, CpuMeter(pgdata) as cpu_publish:
        publish_s, steps, folder = _timed_publish(url, tmp / "snapshots")
    manifest = json.loads((folder / "manifest.json").read_text())
    size = sum(f["bytes"] for f in manifest["files"])
    entities = manifest["counts"]["csv/entities"]
    print(f"publish       {publish_s:.2f} s, {size / 2**20:.0f} MiB, {entities:,} "
          f"entities; {mem.render()}; {cpu_publish.render(n)}; load {_load()}")
    print("              " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
    again_s, _ = asyncio.run(raw_copy_to(url, tmp / "raw2"))
    best = min(copy_s, again_s)
    print(f"raw COPY TO again {again_s:.2f} s")
    print(f"publish / raw COPY TO speed: {best / publish_s:.2f} (goal: at least 0.50); "
          f"CSV step alone: {best / steps.get('csv', publish_s):.2f}")
    per_million = publish_s / entities * 1_000_000
    print(f"extrapolated to 1M entities: publish ~{per_million / 60:.1f} min, raw COPY "
          f"TO ~{best / entities * 1_000_000 / 60:.1f} min")


def feed_phase(url: str, path: Path, n: int, batch_size: int, pgdata: Path | None) -> None:
    rates: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for i, enabled in enumerate((True, False, False, True)):
        asyncio.run(set_feed_triggers(url, enabled))
        with CpuMeter(pgdata) as meter:
            started = time.perf_counter()
            asyncio.run(import_bods(url, [str(path)], f"feed-{i}",
                                    batch_size=batch_size, resume=False))
            rate = n / (time.perf_counter() - started)
        rates[enabled].append(rate)
        cpu[enabled].append(meter.own + meter.server)
        print(f"import with feed triggers {'on ' if enabled else 'off'}: "
              f"{rate:,.0f} statements/s; {meter.render(n)}; load {_load()}",
              flush=True)
    asyncio.run(set_feed_triggers(url, True))
    on, off = sum(rates[True]) / 2, sum(rates[False]) / 2
    print(f"change feed cost to imports, wall clock: {(off - on) / off:+.1%} "
          f"(on {on:,.0f}/s, off {off:,.0f}/s; goal: at most +10%)")
    if pgdata is not None:  # steadier than the wall clock on a shared machine
        on_cpu, off_cpu = sum(cpu[True]), sum(cpu[False])
        print(f"change feed cost to imports, CPU (Python + PostgreSQL): "
              f"{(on_cpu - off_cpu) / off_cpu:+.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=150_000, help="BODS statements to import")
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--feed-overhead", action="store_true",
                        help="also time imports with the change-feed triggers on and off")
    parser.add_argument("--no-publish", action="store_true",
                        help="only the feed overhead (with --feed-overhead)")
    args = parser.parse_args()

    from registry.db.migrate import upgrade

    url, server = _database()
    pgdata = Path(server.pgdata) if server is not None else None
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            path = tmp / "statements.jsonl"
            with path.open("w") as fh:
                for s in statements(args.n):
                    fh.write(json.dumps(s) + "\n")
            started = time.perf_counter()
            asyncio.run(import_bods(url, [str(path)], "bench", batch_size=args.batch_size,
                                    resume=False))
            print(f"imported {args.n:,} statements in {time.perf_counter() - started:.1f} s; "
                  f"load {_load()}", flush=True)
            # What autovacuum would do soon after a real import: without statistics the
            # BODS export's probe of record_versions picks the wrong index (quadratic).
            asyncio.run(analyze(url))

            if not args.no_publish:
                publish_phase(url, tmp, args.n, pgdata)
            if args.feed_overhead:
                feed_phase(url, path, args.n, args.batch_size, pgdata)
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
