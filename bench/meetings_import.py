"""Throughput of ``registry import meetings`` (diary CSV), against reading the CSV alone.

    .venv/bin/python -m bench.meetings_import [--n 2000]

Uses REGISTRY_DATABASE_URL if set (a scratch database there is created and dropped),
otherwise a throwaway embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from importers.meetings import import_meetings, iter_rows, parse
from registry.db.engine import normalise_url
from registry.db.migrate import upgrade

COLUMNS = ["id", "date", "official", "official_role", "institution", "registrant",
           "registration_number", "subject", "legislation", "location", "clients"]


def write_csv(path: Path, n: int) -> None:
    rnd = random.Random(7)
    officials = [f"Official {i}" for i in range(200)]
    institutions = [f"Ministry of {w}" for w in ("Transport", "Energy", "Health", "Finance")]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            w.writerow([f"m{i}", f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                        rnd.choice(officials), "Adviser", rnd.choice(institutions),
                        f"Organisation {rnd.randint(1, 500)}", "", f"Subject {i}", "", "", ""])


async def _admin(url: str, sql: str) -> None:
    u = make_url(normalise_url(url))
    conn = await asyncpg.connect(user=u.username, password=u.password,
                                 host=u.query.get("host", u.host), port=u.port,
                                 database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-meetings-"))
    server = None
    server_url = os.environ.get("REGISTRY_DATABASE_URL")
    if not server_url:
        from registry.db.embedded import server_uri, start_embedded

        server = start_embedded(tmp, cleanup_mode="delete")
        server_url = server_uri(server, "postgres")
    name = f"bench_meetings_{os.getpid()}"
    url = make_url(normalise_url(server_url)).set(database=name).render_as_string(
        hide_password=False)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        path = tmp / "diary.csv"
        write_csv(path, args.n)

        started = time.perf_counter()
        parsed = len([parse(row.values) for row in iter_rows([str(path)]) if row.values])
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        summary = asyncio.run(import_meetings(url, [str(path)], dataset="bench"))
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = asyncio.run(import_meetings(url, [str(path)], dataset="bench", resume=False))
        second = time.perf_counter() - started
        print(f"rows: {args.n:,} (parsed {parsed:,})")
        print(f"baseline, read+parse CSV only: {args.n / baseline:,.0f} rows/s ({baseline:.2f} s)")
        print(f"import, first run:             {args.n / first:,.0f} rows/s ({first:.2f} s), "
              f"imported {summary.imported:,}")
        print(f"import, re-run (unchanged):    {args.n / second:,.0f} rows/s ({second:.2f} s), "
              f"unchanged {again.unchanged:,}")
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
