"""Serving benchmark: every public endpoint and page, requests/s and p50/p99 latency, next to a
bare Litestar handler in the same run, for 1 and 2 serving processes.

    .venv/bin/python -m bench.serve [--companies 100000] [--seconds 3] [--connections 16]

Loads the demo (and with ``--companies N`` a register of N companies with owners, a
contract for every fifth company, supplied under another spelling, and the links the imports
make) into an embedded PostgreSQL in a temporary directory, then starts ``registry serve``
on 127.0.0.1 (``--workers 1``, then ``2``; each with the answer cache and, for the endpoints
it stores, without it: ``REGISTRY_HTTP_CACHE_MB=0``) and a bare Litestar app that returns a
small JSON object (uvicorn, 1 and 2 workers), and drives each URL with Debian's ``wrk``
(``apt-get install -y wrk``) for ``--seconds``: loopback only, bounded in time.

Prints one line per endpoint: requests/s, its ratio to the bare handler with the same number
of workers, p50 and p99 latency, errors, and the load average when it was measured (the
machine may be shared: compare ratios within one run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BARE_APP = textwrap.dedent("""
    from litestar import Litestar, get

    @get("/bare")
    async def bare() -> dict:
        return {"id": 1, "name": "Acme Construction Limited", "kind": "company"}

    app = Litestar([bare])
""")

MATCH_BODY = {"queries": {"q": {"schema": "Company", "properties": {
    "name": ["ACME CONSTRUCTION LIMITED LIABILITY COMPANY"], "country": ["gb"]}}}}

# Answers the in-process cache stores (registry/http_cache.py): also measured without it.
STORED = {"behind", "contract page", "entity page", "search", "search page", "home page",
          "contract", "registrant page", "registrant"}


@dataclass
class Result:
    rate: float
    p50: float
    p99: float
    errors: int
    load: float
    generator_cpu: float = 0.0  # cores the load generator (wrk) kept busy, on average


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback)
                if r.status < 500:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, seconds: float, connections: int, script: Path | None = None) -> Result:
    load = os.getloadavg()[0]
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    # wrk runs on the same cores as the servers: what it uses is taken from them.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True,  # noqa: S603
                         timeout=seconds + 60).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    generator = cpu / max(time.monotonic() - started, 1e-9)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)",
                    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
        if m := re.search(pattern, out):
            errors += sum(int(g) for g in m.groups())
    return Result(rate, p50, p99, errors, load, generator)


def _cpu_seconds(root: int) -> dict[int, float]:
    """CPU seconds used so far by ``root`` and each of its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew, tree = bool(more), tree | more
    return {pid: used[pid] for pid in tree if pid in used}


def _busy(before: dict[int, float], after: dict[int, float], seconds: float) -> str:
    """Cores each serving process kept busy (the supervisor's idle share left out)."""
    cores = sorted(((after[p] - before.get(p, 0.0)) / seconds for p in after), reverse=True)
    return "+".join(f"{c:.2f}" for c in cores if c >= 0.01) or "0"


# --- the register -------------------------------------------------------------------------

def _bods(n: int, path: Path) -> None:
    from bench.bods_import import statements

    with path.open("w") as fh:
        for s in statements(3 * n):
            fh.write(json.dumps(s) + "\n")


def _ocds(n: int, path: Path) -> None:
    """A contract for every fifth company: its supplier is the company, spelt in capitals
    with its number unpadded, so the import links them by identifier."""
    with path.open("w") as fh:
        for i, k in enumerate(range(0, n, 5)):
            ocid = f"ocds-serve-{i:07d}"
            buyer = {"id": f"GB-GOV-{i % 200}", "name": f"Borough Council {i % 200}",
                     "identifier": {"scheme": "GB-GOV", "id": str(i % 200)},
                     "roles": ["buyer"]}
            supplier = {"id": f"GB-COH-{k}", "name": f"COMPANY {k} LTD",
                        "identifier": {"scheme": "GB-COH", "id": str(k)},
                        "address": {"countryName": "United Kingdom"}, "roles": ["supplier"]}
            date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z"
            release = {"ocid": ocid, "id": f"{ocid}-1", "date": date, "tag": ["award"],
                       "initiationType": "tender", "parties": [buyer, supplier],
                       "buyer": {"id": buyer["id"], "name": buyer["name"]},
                       "tender": {"id": "T", "title": f"Road maintenance lot {i}"},
                       "awards": [{"id": "A1", "date": date, "status": "active",
                                   "value": {"amount": 1000 + i, "currency": "GBP"},
                                   "suppliers": [{"id": supplier["id"],
                                                  "name": supplier["name"]}]}]}
            fh.write(json.dumps(release) + "\n")


def build(tmp: Path, companies: int, env: dict[str, str]) -> tuple[str, Any]:
    """The database (demo, and the generated register), and its URL."""
    from registry.db.migrate import upgrade
    from registry.db.resolve import resolve_database
    from registry.demo.load import link_demo, load_demo
    from registry.settings import Settings

    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp / "data")})
    db = resolve_database(settings)
    upgrade(db.url)
    asyncio.run(load_demo(db.url))
    asyncio.run(link_demo(db.url, settings))
    if companies:
        started = time.monotonic()
        bods, ocds = tmp / "register.bods.jsonl", tmp / "contracts.ocds.jsonl"
        _bods(companies, bods)
        _ocds(companies, ocds)
        cli = [sys.executable, "-m", "registry", "import"]
        run_env = env | {"REGISTRY_DATABASE_URL": db.url}
        subprocess.run([*cli, "bods", str(bods), "--dataset", "bench-bods"],  # noqa: S603
                       env=run_env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*cli, "ocds", str(ocds), "--dataset", "bench-ocds"],  # noqa: S603
                       env=run_env, check=True, stdout=subprocess.DEVNULL)
        print(f"register of {companies:,} companies loaded and linked in "
              f"{time.monotonic() - started:.0f} s", flush=True)
    return db.url, db.embedded


def reuse(home: Path) -> tuple[str, Any]:
    """The register a run with ``--keep`` built before."""
    from registry.db.resolve import resolve_database
    from registry.settings import Settings

    db = resolve_database(Settings.from_env({"REGISTRY_DATA_DIR": str(home / "data")}))
    return db.url, db.embedded


async def _targets(url: str, companies: int) -> dict[str, str]:
    """Ids to ask about: on the big register, a company in the middle of it with a
    contract and a chain of owners; else the demo's story."""
    from sqlalchemy import text

    from registry.db.engine import make_engine

    engine = make_engine(url)
    async with engine.connect() as conn:
        async def one(sql: str, **params: Any) -> Any:
            return (await conn.execute(text(sql), params)).scalar_one()

        if companies:
            # A supplier (every fifth company) owned by the company before it (every third
            # is), itself owned by a person: k = 5 (mod 15), in the middle of the register.
            k = (companies // 30) * 15 + 5
            entity = await one("SELECT id FROM entities WHERE dataset = 'bench-bods' "
                               "AND source_key = :k", k=f"c{k}")
            ocid = await one("SELECT c.ocid FROM contracts c JOIN contract_parties p ON "
                             "p.contract_id = c.id AND p.role = 'supplier' JOIN entities e "
                             "ON e.id = p.entity_id WHERE e.source_key = :k",
                             k=f"ocds-serve-{k // 5:07d}/GB-COH-{k}")
            query = f"company {k} limited"
        else:
            entity = await one("SELECT id FROM entities WHERE source_key = 'GB-COH-01234567'")
            ocid, query = "ocds-demo-0001", "acme construction"
        registrant = await one("SELECT min(id) FROM registrants "
                               "WHERE published_version IS NOT NULL")
        meeting = await one("SELECT min(id) FROM meetings")
    await engine.dispose()
    q = query.replace(" ", "%20")
    return {
        "entity": f"/api/v1/entities/{entity}",
        "entities list": "/api/v1/entities?limit=20",
        "owners": f"/api/v1/entities/{entity}/owners",
        "owned": f"/api/v1/entities/{entity}/owned",
        "graph": f"/api/v1/entities/{entity}/graph",
        "search": f"/api/v1/search?q={q}",
        "match": "/api/v1/match",
        "links": "/api/v1/links?limit=20",
        "contracts list": "/api/v1/contracts?limit=20",
        "contract": f"/api/v1/contracts/{ocid}",
        "behind": f"/api/v1/contracts/{ocid}/behind",
        "registrants list": "/api/v1/registrants",
        "registrant": f"/api/v1/registrants/{registrant}",
        "returns": f"/api/v1/registrants/{registrant}/returns",
        "meetings list": "/api/v1/meetings",
        "meeting": f"/api/v1/meetings/{meeting}",
        "home page": "/",
        "search page": f"/search?q={q}",
        "entity page": f"/entities/{entity}",
        "contract page": f"/contracts/{ocid}",
        "registrant page": f"/registrants/{registrant}",
    }


# --- the run ------------------------------------------------------------------------------

class Server:
    def __init__(self, argv: list[str], env: dict[str, str], health: str) -> None:
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                                     stderr=subprocess.DEVNULL)
        _wait(health, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _registry(env: dict[str, str], workers: int, cache: bool) -> tuple[Server, str]:
    port = _free_port()
    server = Server([sys.executable, "-m", "registry", "serve", "--port", str(port),
                     "--workers", str(workers)],
                    env | {"REGISTRY_HTTP_CACHE_MB": "64" if cache else "0"},
                    f"http://127.0.0.1:{port}/health")
    return server, f"http://127.0.0.1:{port}"


def _bare(tmp: Path, workers: int) -> tuple[Server, str]:
    port = _free_port()
    server = Server([sys.executable, "-m", "uvicorn", "--app-dir", str(tmp), "bare_app:app",
                     "--port", str(port), "--workers", str(workers), "--log-level",
                     "warning", "--no-access-log"], dict(os.environ),
                    f"http://127.0.0.1:{port}/bare")
    return server, f"http://127.0.0.1:{port}/bare"


def _bare_line(r: Result) -> str:
    return (f"bare Litestar handler {r.rate:9.1f} req/s  p50 {r.p50:.1f} ms  "
            f"p99 {r.p99:.1f} ms  load {r.load:.1f}  wrk {r.generator_cpu:.2f} cores")


def _line(label: str, r: Result, bare: Result) -> str:
    return (f"{label:34} {r.rate:9.1f} req/s  x{r.rate / bare.rate:6.3f}  "
            f"p50 {r.p50:7.1f} ms  p99 {r.p99:7.1f} ms  err {r.errors:3d}  load {r.load:4.1f}  "
            f"wrk {r.generator_cpu:.2f} cores")


def measure(tmp: Path, env: dict[str, str], targets: dict[str, str], args: argparse.Namespace,
            ) -> Iterator[str]:
    script = tmp / "match.lua"
    script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      f"wrk.body = {json.dumps(json.dumps(MATCH_BODY))}\n")
    results: dict[tuple[int, bool, str], Result] = {}
    # The embedded PostgreSQL's processes: what the serving processes make it do counts too.
    pid_file = Path(env["REGISTRY_DATA_DIR"]) / "pgdata" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0]) if pid_file.exists() else 0
    ratios: dict[tuple[int, bool, str], float] = {}
    for workers in args.workers:
        bare_server, bare_url = _bare(tmp, workers)
        readings: list[Result] = []
        try:
            wrk(bare_url, 1, args.connections)
            readings.append(wrk(bare_url, args.seconds, args.connections))
            yield f"\n{workers} worker(s): " + _bare_line(readings[-1])
            # The reference is the faster of two readings, before and after the block: on a
            # shared machine one reading alone can be far off.
            bare = readings[0]
            for cache in (False,) if args.no_cache_only else (True, False):
                server, base = _registry(env, workers, cache)
                try:
                    state = "on" if cache else "off (REGISTRY_HTTP_CACHE_MB=0)"
                    yield f"  answer cache {state}:"
                    for label, path in targets.items():
                        if not cache and label not in STORED:
                            continue
                        lua = script if label == "match" else None
                        wrk(base + path, 1, 2, lua)  # warm up: connections, templates, cache
                        before = _cpu_seconds(server.proc.pid)
                        db_before = _cpu_seconds(postmaster) if postmaster else {}
                        started = time.monotonic()
                        r = wrk(base + path, args.seconds, args.connections, lua)
                        took = time.monotonic() - started
                        busy = _busy(before, _cpu_seconds(server.proc.pid), took)
                        db = (sum(_cpu_seconds(postmaster).values())
                              - sum(db_before.values())) / took if postmaster else 0.0
                        results[workers, cache, label] = r
                        yield ("  " + _line(label, r, bare)
                               + f"  server {busy} cores  PostgreSQL {db:.2f} cores")
                finally:
                    server.stop()
            readings.append(wrk(bare_url, args.seconds, args.connections))
            yield "  again: " + _bare_line(readings[-1])
        finally:
            bare_server.stop()
        bare = max(readings, key=lambda r: r.rate)
        for (w, cache, label), r in results.items():
            if w == workers:
                ratios[w, cache, label] = r.rate / bare.rate
        yield f"  ratios to the faster bare reading ({bare.rate:.1f} req/s):"
        for (w, cache, label), ratio in ratios.items():
            if w == workers:
                yield f"    {label:32} {'cache' if cache else 'no cache':8} x{ratio:6.3f}"
    if len(args.workers) > 1:
        one, two = args.workers[0], args.workers[1]
        yield f"\n{two} workers / {one} worker:"
        for cache in (True, False):
            for label in targets:
                a, b = results.get((one, cache, label)), results.get((two, cache, label))
                if a is not None and b is not None:
                    yield (f"  {label:32} {'cache' if cache else 'no cache':8} "
                           f"x{b.rate / a.rate:5.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=0,
                        help="a generated register of this many companies (0: the demo only)")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 2], help="comma-separated, e.g. 1,2")
    parser.add_argument("--only", type=lambda s: [x.strip() for x in s.split(",")],
                        default=None, help="comma-separated endpoint labels, e.g. "
                        "'behind,contract page' (the bare handler is always measured)")
    parser.add_argument("--no-cache-only", action="store_true",
                        help="measure computed answers only (REGISTRY_HTTP_CACHE_MB=0)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the register in this directory and keep it; a later run "
                        "with the same directory and --companies reuses it (loading 100k "
                        "companies takes minutes)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench.serve needs wrk: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as name:
        tmp = Path(name)
        (tmp / "bare_app.py").write_text(BARE_APP)
        home = args.keep or tmp
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env |= {"REGISTRY_LOG_LEVEL": "WARNING", "REGISTRY_DATA_DIR": str(home / "data")}
        built = home / f"built-{args.companies}"
        url, embedded = (reuse(home) if args.keep and built.exists()
                         else build(home, args.companies, env))
        if args.keep:
            built.touch()
        env["REGISTRY_DATABASE_URL"] = url
        targets = asyncio.run(_targets(url, args.companies))
        if args.only:
            unknown = set(args.only) - set(targets)
            if unknown:
                raise SystemExit(f"unknown endpoints: {', '.join(sorted(unknown))}")
            targets = {k: v for k, v in targets.items() if k in args.only}
        print(f"{os.cpu_count()} CPUs, {args.connections} connections, {args.seconds:g} s "
              f"per URL, {'demo' if not args.companies else f'{args.companies:,} companies'}",
              flush=True)
        try:
            for line in measure(tmp, env, targets, args):
                print(line, flush=True)
        finally:
            if embedded is not None:
                embedded.cleanup()


if __name__ == "__main__":
    main()
