"""Throughput of ``registry import donations`` (Electoral Commission CSV), next to reading and
parsing the CSV alone, with the peak memory of each run (it should stay flat as N grows).

    .venv/bin/python -m bench.donations_import [--n 100000] [--donors 20000]

Uses REGISTRY_DATABASE_URL if set (a scratch database there is created and dropped),
otherwise a throwaway embedded PostgreSQL in a temporary directory. Linking is not run.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from importers.donations import import_donations
from importers.donations_parse import UK_EC_REQUIRED, iter_rows, parse_uk_ec
from registry.db.engine import normalise_url
from registry.db.migrate import upgrade

HEADER = ["ECRef", "RegulatedEntityName", "RegulatedEntityType", "Value", "AcceptedDate",
          "AccountingUnitName", "DonorName", "AccountingUnitsAsCentralParty", "IsSponsorship",
          "DonorStatus", "RegulatedDoneeType", "CompanyRegistrationNumber", "Postcode",
          "DonationType", "NatureOfDonation", "PurposeOfVisit", "DonationAction",
          "ReceivedDate", "ReportedDate", "IsReportedPrePoll", "ReportingPeriodName",
          "IsBequest", "IsAggregation"]
PARTIES = ["Progress Party", "Unity Party", "Green Future", "Liberty Alliance", "Coast Party"]
WORDS = ["Acme", "Northern", "Granite", "Harbour", "Summit", "Oak", "Meridian", "Thames",
         "Civic", "Atlas", "Beacon", "Crown", "Delta", "Ember", "Falcon", "Horizon"]


def write_csv(path: Path, n: int, donors: int) -> None:
    rnd = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            d = rnd.randrange(donors)
            company = d % 3 != 0
            name = (f"{WORDS[d % 16]} {WORDS[(d // 16) % 16]} {d} Ltd" if company
                    else f"Mr {WORDS[d % 16]} Person{d}")
            number = f"{d:08d}" if company and d % 2 else (str(d) if company else "")
            w.writerow([
                f"C{i:08d}", rnd.choice(PARTIES), "Political Party",
                f"£{rnd.randint(500, 250_000):,}.00",
                f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(2015, 2024)}",
                f"Unit {rnd.randint(1, 50)}" if rnd.random() < 0.3 else "", name, "False",
                "False", "Company" if company else "Individual", "", number,
                f"SW{d % 20} {d % 9}AA", "Cash", "", "", "Accepted", "", "", "False",
                "Q1 2024", "False", "False"])


async def _admin(url: str, sql: str) -> None:
    u = make_url(normalise_url(url))
    conn = await asyncpg.connect(user=u.username, password=u.password,
                                 host=u.query.get("host", u.host), port=u.port,
                                 database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _cpu() -> float:
    """CPU seconds of this process: steadier than the wall clock on a shared machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--donors", type=int, default=20_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-donations-"))
    server = None
    server_url = os.environ.get("REGISTRY_DATABASE_URL")
    if not server_url:
        from registry.db.embedded import server_uri, start_embedded

        server = start_embedded(tmp, cleanup_mode="delete")
        server_url = server_uri(server, "postgres")
    name = f"bench_donations_{os.getpid()}"
    url = make_url(normalise_url(server_url)).set(database=name).render_as_string(
        hide_password=False)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        path = tmp / "donations.csv"
        write_csv(path, args.n, args.donors)
        before = _peak_mb()

        started, cpu = time.perf_counter(), _cpu()
        parsed = 0
        for row in iter_rows([str(path)], UK_EC_REQUIRED):
            if row.values is not None:
                parse_uk_ec(row.values)
                parsed += 1
        baseline, baseline_cpu = time.perf_counter() - started, _cpu() - cpu
        after_parse = _peak_mb()

        started, cpu = time.perf_counter(), _cpu()
        summary = asyncio.run(import_donations(url, [str(path)], dataset="bench"))
        first, first_cpu = time.perf_counter() - started, _cpu() - cpu
        after_import = _peak_mb()
        started, cpu = time.perf_counter(), _cpu()
        again = asyncio.run(import_donations(url, [str(path)], dataset="bench", resume=False))
        second, second_cpu = time.perf_counter() - started, _cpu() - cpu
        print(f"rows: {args.n:,} (parsed {parsed:,}), donors: {args.donors:,}")
        def us(cpu_s: float) -> str:
            return f"{cpu_s / args.n * 1e6:,.0f} Python CPU-µs/row"

        print(f"baseline, read+parse CSV only: {args.n / baseline:,.0f} rows/s "
              f"({baseline:.2f} s, {us(baseline_cpu)})")
        print(f"import, first run:             {args.n / first:,.0f} rows/s ({first:.2f} s, "
              f"{us(first_cpu)}), imported {summary.imported:,}, "
              f"skipped {summary.skipped:,}")
        print(f"import, re-run (unchanged):    {args.n / second:,.0f} rows/s "
              f"({second:.2f} s, {us(second_cpu)}), unchanged {again.unchanged:,}")
        print(f"peak RSS MB: start {before:,.0f}, after parsing {after_parse:,.0f}, "
              f"after importing {after_import:,.0f}, after re-run {_peak_mb():,.0f}")
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
