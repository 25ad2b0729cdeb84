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
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from importers.core.sources import iter_items
from importers.ocds.importer import import_ocds
from importers.ocds.parallel import WORKERS

SPREAD = 7_000  # how many values apart the stages of one process are


def _org(rng: random.Random, kind: str, n: int) -> dict[str, Any]:
    scheme = rng.choice(["GB-COH", "UA-EDR", "DE-CR", "FR-RCS"])
    ident = f"{rng.randrange(10**7, 10**8)}"
    return {
        "id": f"{scheme}-{ident}", "name": f"{kind.title()} {n} {rng.choice(['Ltd', 'GmbH'])}",
        "identifier": {"scheme": scheme, "id": ident, "legalName": f"{kind.upper()} {n}"},
        "address": {"streetAddress": f"{n} High Street", "locality": "Springfield",
                    "postalCode": f"{n % 99999:05d}", "countryName": "United Kingdom"},
        "contactPoint": {"name": "Desk", "email": f"desk{n}@example.org"},
    }


KINDS = {2: ["tender", "award"], 3: ["tender", "award", "contract"],
         4: ["tender", "tenderers", "award", "contract"]}


def _stages(ocid_n: int) -> int:
    return 2 + (ocid_n % 3 != 0) + (ocid_n % 2 == 0)  # 2 to 4 releases


def _release(rng: random.Random, ocid_n: int, stage: int) -> dict[str, Any]:
    ocid = f"ocds-bench-{ocid_n:08d}"
    local = random.Random(ocid_n)  # the same parties in every release of a process
    buyer = _org(local, "buyer", ocid_n % 500)
    supplier = _org(local, "supplier", ocid_n)
    tenderer = _org(local, "tenderer", ocid_n + 1)
    base: dict[str, Any] = {"ocid": ocid, "initiationType": "tender",
                            "date": f"202{stage}-0{1 + ocid_n % 9}-1{ocid_n % 9}T10:00:00Z"}
    amount = 1000 + ocid_n % 100_000
    kind = KINDS[_stages(ocid_n)][stage]
    if kind == "tender":
        return {**base, "id": f"{ocid}-tender", "tag": ["tender"],
                "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}],
                "buyer": {"id": buyer["id"], "name": buyer["name"]},
                "tender": {"id": f"{ocid}-T", "title": f"Works lot {ocid_n}",
                           "description": "Maintenance works " + rng.choice("ABCDEFG") * 20,
                           "status": "active", "value": {"amount": amount, "currency": "EUR"},
                           "items": [{"id": str(i), "description": f"item {i}",
                                      "quantity": i + 1} for i in range(2)]}}
    if kind == "tenderers":
        return {**base, "id": f"{ocid}-tenderers", "tag": ["tenderUpdate"],
                "parties": [{**tenderer, "roles": ["tenderer"]},
                            {**supplier, "roles": ["tenderer"]}],
                "tender": {"id": f"{ocid}-T", "numberOfTenderers": 2,
                           "tenderers": [{"id": o["id"], "name": o["name"]}
                                         for o in (tenderer, supplier)]}}
    if kind == "award":
        return {**base, "id": f"{ocid}-award", "tag": ["award"],
                "parties": [{**supplier, "roles": ["supplier"]}],
                "awards": [{"id": f"{ocid}-A1", "status": "active", "date": base["date"],
                            "value": {"amount": amount * 0.95, "currency": "EUR"},
                            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}]}]}
    return {**base, "id": f"{ocid}-contract", "tag": ["contract"],
            "tender": {"id": f"{ocid}-T", "status": "complete"},
            "contracts": [{"id": f"{ocid}-C1", "awardID": f"{ocid}-A1", "status": "active",
                           "dateSigned": base["date"],
                           "period": {"startDate": base["date"], "endDate": base["date"]},
                           "value": {"amount": amount * 0.95, "currency": "EUR"}}]}


def generate(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """About n releases; the k-th stage of process i comes k * SPREAD values after its first."""
    rng = random.Random(seed)
    n_ocids = max(1, int(n / 2.75))
    emitted = 0
    pos = 0
    while emitted < n:
        for stage in range(4):
            i = pos - stage * SPREAD
            if 0 <= i < n_ocids and stage < _stages(i):
                yield _release(rng, i, stage)
                emitted += 1
                if emitted >= n:
                    return
        pos += 1
        if pos > n_ocids + 4 * SPREAD:
            return


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
