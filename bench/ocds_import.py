"""Benchmark: ``registry import ocds`` on generated releases (not a timed test).

    .venv/bin/python -m bench.ocds_import [--n 200000] [--workers N] [--database-url URL]

Generates N releases (about 2.5 per ocid: tender, sometimes tenderers, award, sometimes
contract) as JSON Lines, with the releases of one ocid spread far apart in the file as in real
publications, then imports them into a fresh database (a throwaway embedded PostgreSQL unless
``--database-url`` is given). Prints releases/s and the importer's peak memory, next to a
baseline measured in the same run: reading and parsing the same file without writing anything.
Then re-imports the same file (nothing changes) and prints that rate too. CPU seconds of the
importer (with its compile workers) and of PostgreSQL give releases per CPU-second, a figure
that does not depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from importers.core.sources import iter_items
from importers.ocds.importer import import_ocds
from importers.ocds.parallel import WORKERS
from synthetic.ocds_releases import generate


class PeakRss:
    """Samples, in a thread, the resident memory of this process and its children (the
    compile workers), and the machine's load average."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self._rss()
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total: int = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._rss())
            self.loads.append(psutil.getloadavg()[0])

    @property
    def load(self) -> str:
        if not self.loads:
            return "n/a"
        return (f"{min(self.loads):.1f}-{max(self.loads):.1f}, "
                f"mean {sum(self.loads) / len(self.loads):.1f}")

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _own_cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _postgres_cpu(pgdata: Path | None) -> float:
    """CPU seconds used so far by the embedded server: the postmaster, the backends it has
    reaped (an import's connections are closed when it ends) and the live ones. A backend
    that is exiting is counted by neither, so wait until the figure settles."""
    if pgdata is None:
        return 0.0
    last = -1.0
    for _ in range(30):
        now = _server_cpu(pgdata)
        if now == last:
            break
        last = now
        time.sleep(0.2)
    return last


def _server_cpu(pgdata: Path) -> float:
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "-D" in cmdline and str(pgdata) in cmdline:
            t = proc.cpu_times()
            total: float = t.user + t.system + t.children_user + t.children_system
            for child in proc.children():
                with contextlib.suppress(psutil.NoSuchProcess):
                    c = child.cpu_times()
                    total += c.user + c.system
            return total
    return 0.0


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--n", type=int, default=200_000, help="releases to generate")
    parser.add_argument("--database-url", default=None,
                        help="an empty migrated database (default: a throwaway embedded one)")
    parser.add_argument("--batch", type=int, default=None, help="values per transaction")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"compile processes (default {WORKERS}; 1: no worker processes)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ocds-"))
    path = work / "releases.jsonl"
    started = time.perf_counter()
    count = 0
    with path.open("w") as fh:
        for release in generate(args.n):
            fh.write(json.dumps(release) + "\n")
            count += 1
    ocids = len({json.loads(line)["ocid"] for line in path.open()})
    print(f"generated {count:,} releases of {ocids:,} processes "
          f"({path.stat().st_size / 2**20:,.0f} MB JSON Lines) in "
          f"{time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    parsed = sum(1 for _ in iter_items([path], object_arrays=("releases", "records")))
    parse_s = time.perf_counter() - started
    print(f"baseline, read and parse only: {parsed / parse_s:,.0f} releases/s")

    server = None
    pgdata: Path | None = None
    url = args.database_url
    if url is None:
        from registry.db.embedded import ensure_database, start_embedded

        server = start_embedded(work / "pg", cleanup_mode="delete")
        url = ensure_database(server, "bench")
        pgdata = work / "pg" / "pgdata"
    from registry.db.migrate import upgrade

    upgrade(url)
    kwargs: dict[str, Any] = {"dataset": "ocds-bench"}
    if args.batch:
        kwargs["batch"] = args.batch
    if args.workers:
        kwargs["workers"] = args.workers
    try:
        rss_before = psutil.Process().memory_info().rss
        cpu, pg_cpu = _own_cpu(), _postgres_cpu(pgdata)
        with PeakRss() as rss:
            started = time.perf_counter()
            summary = asyncio.run(import_ocds(url, [path], **kwargs))
            took = time.perf_counter() - started
        cpu, pg_cpu = _own_cpu() - cpu, _postgres_cpu(pgdata) - pg_cpu
        print(f"import: {count:,} releases in {took:.1f} s = {count / took:,.0f} releases/s; "
              f"peak RSS {_mb(rss.peak)} with the workers (before the import "
              f"{_mb(rss_before)})")
        print(f"  CPU: importer with its workers {cpu:.1f} s, PostgreSQL {pg_cpu:.1f} s "
              f"= {count / (cpu + pg_cpu):,.0f} releases per CPU-second; "
              f"machine load average during the run {rss.load} on {os.cpu_count()} cores")
        print("  " + summary.render().replace("\n", "\n  "))
        started = time.perf_counter()
        again = asyncio.run(import_ocds(url, [path], **kwargs))
        took = time.perf_counter() - started
        print(f"re-import, nothing changes: {count / took:,.0f} releases/s "
              f"(unchanged {again.unchanged:,})")
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
