"""Benchmark: suppliers linked per second against a register of N companies.

    python -m bench.linking --n 100000 --suppliers 2000
    python -m bench.linking --n 1000000 --suppliers 5000     # the goal: 1,000 suppliers/s

Starts its own embedded PostgreSQL in a temporary directory (or uses --database-url), loads
N synthetic companies through the shared COPY path (registry/entities/bulk.py), then links
suppliers (spelt as procurement data spells them: other case, legal form, typos; half with a
reformatted identifier, a tenth absent from the register) in batches, as ``registry link``
does. Prints suppliers/s, where the time goes (candidate search vs scoring), and end-to-end
precision/recall of auto links against the known truth. The baseline in the same run is the
same suppliers linked one at a time (batch of 1), on a sample.

With ``--opensearch local|URL`` the same suppliers are linked a second time with OpenSearch's
candidates (``registry link`` with ``REGISTRY_OPENSEARCH_URL`` set), side by side with
PostgreSQL's in the same run, after indexing the register (``rebuild``, docs/s). ``local``
starts a real node with ``scripts/opensearch`` while the register loads (heap
``OPENSEARCH_HEAP``). A search that fell back to PostgreSQL is counted (there must be none).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.ocds_import import _own_cpu, _postgres_cpu
from registry.db.engine import make_engine, make_sessionmaker
from registry.db.migrate import upgrade
from registry.entities.bulk import EntityRow, upsert_entities
from registry.links.jobs import DEFAULT_WORKERS, run_linking
from registry.links.writer import link_entities
from registry.models import Dataset
from registry.settings import Settings
from search import factory, linking
from search.backend import Candidate, CandidateQuery
from search.blocking import BlockingCandidates
from search.key_stats import refresh_if_stale
from search.opensearch import OpenSearchBackend

from .names import NameGenerator
from .search import LocalNode

WORDS = (  # noqa: SIM905
    "acme north south east west blue green red river lake hill valley bridge harbour stone "
    "oak pine cedar maple summit peak crown royal union national global metro city civil "
    "urban rural coastal alpine delta prime apex vertex atlas orion nova stellar titan falcon "
    "eagle hawk lion tiger bear wolf fox swift rapid solid steady bright clear smart quick "
    "true fair grand noble golden silver iron copper steel granite marble crystal diamond "
    "pearl amber ivory cobalt indigo violet scarlet azure emerald jade onyx quartz"
).split()
TRADES = (  # noqa: SIM905
    "construction engineering logistics services consulting systems solutions energy "
    "infrastructure builders contractors developments holdings trading supplies medical "
    "catering security cleaning transport technologies networks utilities waste roads paving "
    "facilities property management design architecture surveying"
).split()
FORMS = {"GB": ["Limited", "Ltd"], "DE": ["GmbH"], "ES": ["S.L.", "S.A."], "FR": ["SARL", "SAS"],
         "UA": ["TOV", "LLC"], "PL": ["sp. z o.o."], "IT": ["S.r.l.", "S.p.A."]}
SCHEMES = {"GB": "GB-COH", "DE": "DE-CR", "ES": "ES-NIF", "FR": "FR-RCS", "UA": "UA-EDR",
           "PL": "PL-KRS", "IT": "IT-CF", "GR": "GR-GEMI", "US": "US-EIN"}
# --names realistic: bench/names.py (Zipf words, scripts); None: the WORDS x TRADES names.
GENERATOR: NameGenerator | None = None


def company(rng: random.Random, n: int, seen: set[str] | None = None
            ) -> tuple[str, str, str, str]:
    cc = rng.choice(list(FORMS))
    while True:  # real registers rarely hold two companies of one name
        if GENERATOR is not None:
            cc, name, form = GENERATOR.company_parts()
        else:
            words = rng.sample(WORDS, rng.choice([2, 3, 3, 4]))
            name = " ".join(w.title() for w in words) + " " + rng.choice(TRADES).title()
            form = rng.choice(FORMS[cc])
        if seen is None or name not in seen:
            break
    if seen is not None:
        seen.add(name)
    ident = {"GB": f"{n:08d}", "DE": f"HRB {n} B", "ES": f"B{n:08d}", "FR": f"{n:09d}",
             "UA": f"{n:08d}", "PL": f"{n:010d}", "IT": f"{n:011d}", "GR": f"{n:012d}",
             "US": f"{n:09d}"}[cc]
    return cc, name, form, ident


def spelt(rng: random.Random, name: str, form: str) -> str:
    s = f"{name} {form}"
    r = rng.random()
    if r < 0.3:
        s = s.upper()
    elif r < 0.5:
        words = s.split()
        i = max(range(len(words)), key=lambda j: len(words[j]))
        w = words[i]
        if len(w) > 5:
            k = rng.randrange(1, len(w) - 1)
            words[i] = w[:k] + w[k + 1:]
        s = " ".join(words)
    elif r < 0.7:
        s = name
    return s


async def load(sm: async_sessionmaker[AsyncSession], n: int, rng: random.Random,
               batch: int = 20_000, reuse: bool = False) -> list[tuple[str, str, str, str]]:
    seen: set[str] = set()
    companies = [company(rng, i + 1, seen) for i in range(n)]
    if reuse:
        async with sm() as session, session.begin():
            loaded = (await session.execute(text(
                "SELECT count(*) FROM entities WHERE dataset = 'bench-register'"))).scalar_one()
            if loaded == n:  # the same seed made the same companies: keep them
                await session.execute(text("DELETE FROM links"))
                await session.execute(text("DELETE FROM entities WHERE dataset = 'bench-ocds'"))
                print(f"  reusing the {n:,} companies already loaded (--reuse)")
                return companies
    async with sm() as session, session.begin():
        for name in ("bench-register", "bench-ocds"):
            session.add(Dataset(name=name, title=name, source="bench"))
    started = time.perf_counter()
    for start in range(0, n, batch):
        rows = [EntityRow(source_key=f"C{start + i}", kind="company", name=f"{nm} {form}",
                          statement_id="v1", country=cc,
                          identifiers=[(SCHEMES[cc], ident)])
                for i, (cc, nm, form, ident) in enumerate(companies[start:start + batch])]
        async with sm() as session, session.begin():
            await upsert_entities(session, "bench-register", None, rows)
        print(f"\r  loaded {min(start + batch, n):,} companies", end="", flush=True)
    async with sm() as session, session.begin():  # statistics are transactional too
        await session.execute(text("ANALYZE"))
    print(f" in {time.perf_counter() - started:.0f} s")
    return companies


async def make_suppliers(sm: async_sessionmaker[AsyncSession], companies: list[
        tuple[str, str, str, str]], m: int, rng: random.Random) -> tuple[list[int], dict[int,
                                                                                       str | None]]:
    rows: list[EntityRow] = []
    truth_by_key: dict[str, str | None] = {}
    for j in range(m):
        if rng.random() < 0.1:
            cc, name, form, _ = company(rng, 10**8 + j)  # not in the register
            truth = None
            ident = None
        else:
            i = rng.randrange(len(companies))
            cc, name, form, ident_full = companies[i]
            truth = f"C{i}"
            ident = (ident_full.lstrip("0") if ident_full.isdigit() else ident_full) \
                if rng.random() < 0.5 else None
        key = f"ocds-bench-{j}/S{j}"
        rows.append(EntityRow(source_key=key, kind="company", name=spelt(rng, name, form),
                              statement_id="v1", country=cc,
                              identifiers=[(SCHEMES[cc], ident)] if ident else []))
        truth_by_key[key] = truth
    async with sm() as session, session.begin():
        result = await upsert_entities(session, "bench-ocds", None, rows)
    ids = [result.ids[r.source_key] for r in rows]
    async with sm() as session:
        found = await session.execute(text(
            "SELECT id, source_key FROM entities WHERE dataset = 'bench-register' "
            "AND source_key = ANY(:k)"), {"k": [t for t in truth_by_key.values() if t]})
        reg_ids = {k: i for i, k in found}
    truths = {result.ids[k]: (str(reg_ids[t]) if t else None)
              for k, t in truth_by_key.items()}
    return ids, truths


def _pgdata(url: str, tmp: Path | None) -> Path | None:
    """The embedded server's data directory, to read its CPU time: the temporary one, or
    the socket directory of a ``--database-url`` that is an embedded server's."""
    if tmp is not None:
        return tmp / "pgdata"
    host = parse_qs(urlsplit(url).query).get("host", [""])[0]
    return Path(host) if host and (Path(host) / "postmaster.pid").exists() else None


def source(session: AsyncSession, kind: str, settings: Settings | None = None,
           backend: linking.CandidateSource | None = None) -> linking.CandidateSource:
    if kind == "trigram":  # the phase-1 source: the trigram index alone
        return BlockingCandidates(session, min_similarity=linking.LINK_SIMILARITY,
                                  use_keys=False)
    return linking.default_candidate_source(session, settings, backend)


FALLBACKS = 0


def count_fallbacks() -> None:
    """Count the searches OpenSearch did not answer (the fallback backend sent them to
    PostgreSQL), so that the OpenSearch figures cannot hide PostgreSQL's."""
    mark_down = factory.FallbackBackend._mark_down

    def counted(self: factory.FallbackBackend, exc: BaseException) -> None:
        global FALLBACKS
        FALLBACKS += 1
        mark_down(self, exc)

    factory.FallbackBackend._mark_down = counted  # type: ignore[method-assign]


def _process_cpu(pid_file: Path) -> float:
    """CPU seconds of the process named in ``pid_file`` (the OpenSearch node)."""
    try:
        fields = Path(f"/proc/{pid_file.read_text().strip()}/stat").read_text() \
            .rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def link_all(sm: async_sessionmaker[AsyncSession], ids: list[int],
                   batch: int, kind: str = "default", url: str | None = None,
                   workers: int = 1, settings: Settings | None = None,
                   backend: linking.CandidateSource | None = None) -> tuple[float, float]:
    """Returns (seconds, seconds spent in candidate search, summed over workers). With
    ``url``, through ``registry link``'s own runner (registry/links/jobs.py), ``workers``
    batches at once; else one batch after another in this process's sessions. With
    ``settings`` naming an OpenSearch URL, its candidates (``backend`` in this process)."""
    searched = 0.0
    original = linking._search

    async def timed(source: linking.CandidateSource, queries: list[CandidateQuery]
                    ) -> list[list[Candidate]]:
        nonlocal searched
        t = time.perf_counter()
        out = await original(source, queries)
        searched += time.perf_counter() - t
        return out

    linking._search = timed  # type: ignore[assignment]
    started = time.perf_counter()
    try:
        if url is not None:
            await run_linking(url, ids, batch=batch, progress=False, workers=workers,
                              settings=settings)
        else:
            for start in range(0, len(ids), batch):
                async with sm() as session, session.begin():
                    await link_entities(session, source(session, kind, settings, backend),
                                        ids[start:start + batch])
    finally:
        linking._search = original  # type: ignore[assignment]
    return time.perf_counter() - started, searched


async def accuracy(sm: async_sessionmaker[AsyncSession],
                   truth: dict[int, str | None]) -> tuple[float, float, int]:
    async with sm() as session:
        rows = (await session.execute(text(
            "SELECT left_id, right_id, status FROM links WHERE status IN ('auto', 'candidate')"
            " AND (left_id = ANY(:ids) OR right_id = ANY(:ids))"), {"ids": list(truth)})).all()
    tp = fp = queue = 0
    for left, right, status in rows:
        sup, other = (left, right) if left in truth else (right, left)
        if status == "candidate":
            queue += 1
        elif truth.get(sup) == str(other):
            tp += 1
        else:
            fp += 1
    positives = sum(1 for t in truth.values() if t)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / positives if positives else 1.0), queue


async def link_and_report(sm: async_sessionmaker[AsyncSession], label: str, ids: list[int],
                          truth: dict[int, str | None], args: argparse.Namespace, url: str,
                          pgdata: Path | None, settings: Settings | None = None,
                          node_pid: Path | None = None) -> None:
    """Link every supplier as ``registry link`` does (from no links) and print the figures
    under ``label``: the candidates' backend."""
    async with sm() as session, session.begin():
        await session.execute(text("DELETE FROM links"))
    cpu = (_own_cpu(), _postgres_cpu(pgdata), _process_cpu(node_pid) if node_pid else 0.0)
    seconds, searched = await link_all(sm, ids, args.batch, url=url, workers=args.workers,
                                       settings=settings)
    py_cpu, pg_cpu = _own_cpu() - cpu[0], _postgres_cpu(pgdata) - cpu[1]
    os_cpu = _process_cpu(node_pid) - cpu[2] if node_pid else 0.0
    precision, recall, queue = await accuracy(sm, truth)
    print(f"{label} candidates: linked {len(ids) / seconds:,.0f} suppliers/s ({seconds:.1f} s, "
          f"{args.workers} batches at once; candidate search {searched:.1f} s summed over "
          f"them; load average {os.getloadavg()[0]:.1f})")
    if pgdata is not None:
        # Steadier than the wall clock on a shared machine.
        per = 1e6 / len(ids)
        node = f", OpenSearch {os_cpu * per:,.0f} µs" if node_pid else ""
        print(f"  CPU per supplier: Python {py_cpu * per:,.0f} µs, PostgreSQL "
              f"{pg_cpu * per:,.0f} µs{node}; "
              f"{len(ids) / (py_cpu + pg_cpu + os_cpu):,.0f} suppliers per CPU-second")
    print(f"  end to end: auto-link precision {precision:.3f}, recall {recall:.3f}; "
          f"review queue {queue}")


async def main_async(args: argparse.Namespace) -> None:
    global GENERATOR
    rng = random.Random(7)
    if args.names == "realistic":
        GENERATOR = NameGenerator(seed=7)
    tmp: Path | None = None
    server = None
    if args.database_url:
        url = args.database_url
    else:
        from registry.db.embedded import ensure_database, start_embedded

        tmp = Path(tempfile.mkdtemp(prefix="bench-linking-"))
        server = start_embedded(tmp, cleanup_mode="delete")
        url = ensure_database(server, "bench_linking")
    try:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        print(f"loading {args.n:,} companies ...")
        companies = await load(sm, args.n, rng, reuse=args.reuse)
        ids, truth = await make_suppliers(sm, companies, args.suppliers, rng)
        sample = ids[: max(50, args.suppliers // 20)]
        # What `registry link` does first when the register changed by a tenth; timed
        # apart, since it is paid once per load, not per supplier.
        started = time.perf_counter()
        async with sm() as session, session.begin():
            refreshed = await refresh_if_stale(session)
        print(f"common blocking keys: {'refreshed' if refreshed else 'already current'} in "
              f"{time.perf_counter() - started:.1f} s (search/key_stats.py)")
        base_s, _ = await link_all(sm, sample, 1)
        async with sm() as session, session.begin():
            await session.execute(text("DELETE FROM links"))
        if args.trigram_baseline:
            tri_s, tri_search = await link_all(sm, sample, args.batch, "trigram")
            tp, tr, _ = await accuracy(sm, {i: truth[i] for i in sample})
            print(f"baseline, trigram index alone (phase 1): {len(sample) / tri_s:,.1f} "
                  f"suppliers/s ({len(sample)} suppliers; search {tri_search / tri_s:.0%}); "
                  f"auto precision {tp:.3f}, recall {tr:.3f}")
            async with sm() as session, session.begin():
                await session.execute(text("DELETE FROM links"))
        pgdata = _pgdata(url, tmp)
        print(f"names: {args.names}; register: {args.n:,} companies; suppliers: {len(ids):,} "
              f"(batches of {args.batch})")
        print(f"baseline, one supplier at a time: {len(sample) / base_s:,.0f} suppliers/s "
              f"({len(sample)} suppliers)")
        await link_and_report(sm, "postgres", ids, truth, args, url, pgdata)
        if args.opensearch:
            os_url = args.local_node.url() if args.opensearch == "local" else args.opensearch
            prefix = "bench-linking"
            backend = OpenSearchBackend(os_url, sm, prefix=prefix)
            try:
                await backend.delete_all()
                started = time.perf_counter()
                count = await backend.rebuild()
                took = time.perf_counter() - started
                print(f"opensearch ({args.opensearch}): indexed {count:,} documents in "
                      f"{took:.1f} s ({count / took:,.0f} docs/s; load average "
                      f"{os.getloadavg()[0]:.1f})")
                settings = dataclasses.replace(Settings.from_env(), opensearch_url=os_url,
                                               index_prefix=prefix)
                async with sm() as session, session.begin():
                    await session.execute(text("DELETE FROM links"))
                count_fallbacks()
                base_s, _ = await link_all(sm, sample, 1, settings=settings, backend=backend)
                print(f"baseline, one supplier at a time, OpenSearch candidates: "
                      f"{len(sample) / base_s:,.0f} suppliers/s ({len(sample)} suppliers)")
                node_pid = (Path(args.local_node.home) / "pid"
                            if args.local_node is not None else None)
                await link_and_report(sm, "opensearch", ids, truth, args, url, pgdata,
                                      settings, node_pid)
                print(f"searches OpenSearch did not answer (fell back to PostgreSQL): "
                      f"{FALLBACKS}")
            finally:
                await backend.delete_all()
                await backend.close()
        await engine.dispose()
    finally:
        if server is not None:
            server.cleanup()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Suppliers linked per second.")
    parser.add_argument("--n", type=int, default=100_000, help="companies in the register")
    parser.add_argument("--suppliers", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="batches in flight, as `registry link` runs them")
    parser.add_argument("--names", choices=["realistic", "words"], default="realistic",
                        help="realistic: Zipf-distributed words, legal forms, scripts "
                        "(bench/names.py); words: the first generator (120 words)")
    parser.add_argument("--trigram-baseline", action="store_true",
                        help="also link a sample with the phase-1 trigram-only source")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: keep the companies a previous run loaded")
    parser.add_argument("--database-url", default=None,
                        help="an empty database to use instead of a temporary embedded one")
    parser.add_argument("--opensearch", default="",
                        help="also link with OpenSearch's candidates: a URL, or 'local' (a real "
                        "node started with scripts/opensearch for the run)")
    args = parser.parse_args()
    args.local_node = LocalNode() if args.opensearch == "local" else None
    try:
        asyncio.run(main_async(args))
    finally:
        if args.local_node is not None:
            args.local_node.stop()


if __name__ == "__main__":
    main()
