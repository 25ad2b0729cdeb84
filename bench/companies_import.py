"""Benchmark: ``registry import companies --format uk-ch`` against a raw ``COPY`` of the same
rows, in the same run.

    .venv/bin/python -m bench.companies_import [--n 200000] [--psc-share 0.8] [--zip]

1. generate ``n`` rows of Companies House company data as published (the published header
   with its leading spaces, upper-case names, DD/MM/YYYY dates, a previous name for one
   company in five, SIC codes, addresses);
2. preload a PSC dataset with a number-only placeholder for ``--psc-share`` of those
   companies (not timed), so that the identifier join makes as many links as the real
   files do;
3. raw ``COPY``: read the same CSV with the importer's reader and copy each row as one row
   (number, name, the row as JSON) into an unindexed table;
4. the import itself (no linking run), with its CPU (Python and PostgreSQL), resident memory
   sampled every 0.2 s, and the extrapolation to the whole UK file (5.5M rows);
5. the same file imported again (a month without changes: every row unchanged).

Uses REGISTRY_DATABASE_URL if set, else a throwaway embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import tempfile
import time
import zipfile
from pathlib import Path

from sqlalchemy import text

from bench.bods_import import (
    CpuMeter,
    MemorySampler,
    _connected,
    _database,
    _load,
    _reset_statements,
    _restart_with,
    _stop_restarted,
    _top_statements,
)
from bench.names import NameGenerator
from importers.companies import UK_HEADER, import_companies
from importers.core.sources import iter_csv_items
from registry.db.engine import make_engine, make_sessionmaker
from registry.entities.bulk import EntityRow, upsert_entities

UK_ROWS = 5_500_000
COLUMNS = [h.strip() for h in UK_HEADER]
CATEGORIES = ["Private Limited Company"] * 8 + ["PLC", "Limited Liability Partnership"]
STATUSES = ["Active"] * 9 + ["Active - Proposal to Strike off"]
TOWNS = ["LONDON", "LEEDS", "MANCHESTER", "BIRMINGHAM", "GLASGOW", "CARDIFF", "BELFAST"]


def number(i: int) -> str:
    return f"{i + 1:08d}" if i % 10 else f"SC{i % 1_000_000:06d}"


def _date(rnd: random.Random, start: int, end: int) -> str:
    return f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(start, end)}"


def write_rows(path: Path, n: int) -> None:
    names = NameGenerator(seed=11)
    rnd = random.Random(5)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(UK_HEADER)
        for i in range(n):
            _, core, _ = names.company_parts()
            row = dict.fromkeys(COLUMNS, "")
            row.update({
                "CompanyName": f"{core} LIMITED".upper(), "CompanyNumber": number(i),
                "RegAddress.AddressLine1": f"{rnd.randint(1, 400)} {names.word().upper()} ROAD",
                "RegAddress.PostTown": rnd.choice(TOWNS), "RegAddress.Country": "ENGLAND",
                "RegAddress.PostCode": f"LS{rnd.randint(1, 29)} {rnd.randint(1, 9)}AA",
                "CompanyCategory": rnd.choice(CATEGORIES), "CompanyStatus": rnd.choice(STATUSES),
                "CountryOfOrigin": "United Kingdom", "IncorporationDate": _date(rnd, 1990, 2015),
                "Accounts.NextDueDate": _date(rnd, 2025, 2026),
                "SICCode.SicText_1": "41202 - Construction of domestic buildings",
                "URI": f"http://business.data.gov.uk/id/company/{number(i)}",
                "ConfStmtNextDueDate": _date(rnd, 2025, 2026),
            })
            if i % 5 == 0:
                _, old, _ = names.company_parts()
                row["PreviousName_1.CONDATE"] = _date(rnd, 2016, 2023)
                row["PreviousName_1.CompanyName"] = f"{old} LIMITED".upper()
            w.writerow(row.values())


async def preload_psc(url: str, n: int, share: float) -> int:
    """Number-only PSC companies for a share of the register, flagged as placeholders as
    ``import psc`` writes them (the join then names each one), by the bulk writer."""
    engine = make_engine(url)
    count = 0
    try:
        async with make_sessionmaker(engine)() as session:
            await session.execute(text(
                "INSERT INTO datasets (name, title, source) VALUES ('gb-psc', 'PSC', 'psc') "
                "ON CONFLICT DO NOTHING"))
            step = 1 / share if share > 0 else n + 1
            batch: list[EntityRow] = []
            k = 0.0
            while k < n:
                num = number(int(k))
                batch.append(EntityRow(source_key=f"GB-COH-{num}", kind="company", name=num,
                                       statement_id=f"GB-COH-{num}",
                                       identifiers=[("GB-COH", num)], country="GB",
                                       data={"placeholder": True}))
                k += step
                if len(batch) >= 10_000:
                    await upsert_entities(session, "gb-psc", None, batch)
                    await session.commit()
                    count += len(batch)
                    batch = []
            if batch:
                await upsert_entities(session, "gb-psc", None, batch)
                await session.commit()
                count += len(batch)
    finally:
        await engine.dispose()
    return count


async def raw_copy(url: str, path: Path, batch_size: int) -> int:
    n = 0
    async with _connected(url) as driver:
        await driver.execute("CREATE TABLE bench_raw (number text, name text, row jsonb)")
        batch: list[tuple[str, str, str]] = []
        for item in iter_csv_items([path]):
            v = item.value
            batch.append((v["CompanyNumber"], v["CompanyName"], json.dumps(v)))
            if len(batch) >= batch_size:
                await driver.copy_records_to_table("bench_raw", records=batch)
                n += len(batch)
                batch = []
        if batch:
            await driver.copy_records_to_table("bench_raw", records=batch)
            n += len(batch)
    return n


async def count_links(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM links"))).scalar_one())
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--psc-share", type=float, default=0.8,
                        help="share of the companies that the PSC snapshot also has")
    parser.add_argument("--zip", action="store_true", help="import a zip of the CSV")
    parser.add_argument("--statements", action="store_true",
                        help="print the import's server time by statement (embedded server)")
    args = parser.parse_args()

    from registry.db.migrate import upgrade

    url, server = _database()
    pgdata = Path(server.pgdata) if server is not None else None
    restarted = False
    try:
        if args.statements and server is not None:
            _restart_with(server, {"shared_preload_libraries": "pg_stat_statements",
                                   "pg_stat_statements.track": "all"})
            restarted = True
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "BasicCompanyData.csv"
            started = time.perf_counter()
            write_rows(path, args.n)
            if args.zip:
                zipped = path.with_suffix(".zip")
                with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.write(path, "BasicCompanyData-part1_1.csv")
                path.unlink()
                path = zipped
            print(f"generated {args.n:,} rows ({path.stat().st_size / 2**20:.0f} MiB) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            psc = asyncio.run(preload_psc(url, args.n, args.psc_share))
            print(f"preloaded {psc:,} PSC companies in {time.perf_counter() - started:.1f} s",
                  flush=True)

            with MemorySampler() as mem, CpuMeter(pgdata) as cpu:
                started = time.perf_counter()
                copied = asyncio.run(raw_copy(url, path, args.batch_size))
                copy_s = time.perf_counter() - started
            copy_rate = copied / copy_s
            print(f"raw COPY   {copied:,} rows in {copy_s:.1f} s = {copy_rate:,.0f} rows/s; "
                  f"{mem.render()}; load {_load()}\n           {cpu.render(copied)}",
                  flush=True)

            if restarted:
                asyncio.run(_reset_statements(url))
            with MemorySampler() as mem, CpuMeter(pgdata) as cpu:
                started = time.perf_counter()
                result = asyncio.run(import_companies(url, [str(path)], fmt="uk-ch",
                                                      batch_size=args.batch_size))
                import_s = time.perf_counter() - started
            s = result.summary
            rate = s.read / import_s
            links = asyncio.run(count_links(url))
            print(f"import     {s.read:,} rows in {import_s:.1f} s = {rate:,.0f} rows/s "
                  f"(imported {s.imported:,}, skipped {s.skipped:,}, {links:,} identifier "
                  f"links); {mem.render()}; load {_load()}\n           {cpu.render(s.read)}",
                  flush=True)
            if restarted:
                print(asyncio.run(_top_statements(url)), flush=True)
            print(f"importer / raw COPY rate: {rate / copy_rate:.2f}")
            per_row = (cpu.own + cpu.server) / s.read
            print(f"extrapolated to the whole UK file ({UK_ROWS:,} rows): "
                  f"{UK_ROWS / rate / 60:.1f} min at this wall-clock rate; "
                  f"{UK_ROWS * per_row / 2 / 60:.1f} min if its CPU time were spread over 2 "
                  f"idle cores (goal: under 10 min on 2 cores)", flush=True)
            with MemorySampler() as mem, CpuMeter(pgdata) as cpu:
                started = time.perf_counter()
                again = asyncio.run(import_companies(url, [str(path)], fmt="uk-ch",
                                                     batch_size=args.batch_size,
                                                     resume=False)).summary
                again_s = time.perf_counter() - started
            print(f"re-import  {again.read:,} rows in {again_s:.1f} s = "
                  f"{again.read / again_s:,.0f} rows/s (unchanged {again.unchanged:,}); "
                  f"{mem.render()}; load {_load()}\n           {cpu.render(again.read)}",
                  flush=True)
    finally:
        if server is not None:
            if restarted:
                _stop_restarted(server)
            server.cleanup()


if __name__ == "__main__":
    main()
