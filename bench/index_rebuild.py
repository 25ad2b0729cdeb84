"""``registry index rebuild`` on OpenSearch while searches keep coming (the alias swap).

    .venv/bin/python -m bench.index_rebuild [--n 1000000] [--opensearch local|URL]
        [--searchers 2] [--database-url URL --reuse]

Loads N generated entities (``bench/search.py``'s names and loader, dataset ``bench``, so a
register that ``bench.search --database-url URL`` loaded can be reused), then runs the real
command, ``registry index rebuild``, in a process of its own, twice:

1. alone, to build the first index: the baseline rebuild time and docs/s;
2. while ``--searchers`` loops in this process search continuously through the backend the
   app uses (OpenSearch, falling back to PostgreSQL when it does not answer).

Printed: the rebuild's time and docs/s with and without the searches; the number of
searches during the rebuild; how many failed (an exception, a fallback to PostgreSQL, a
shard failure or a timeout), came back empty, or found another number of documents than
the same query before the rebuild (partial); which index answered (every hit carries its
``_index``): each answer must come wholly from the old index until the swap and wholly from
the new one after it; and search p50/p95 during the rebuild next to the same searches
before it. ``--opensearch local`` starts a real node (``scripts/opensearch``, heap
``OPENSEARCH_HEAP``) for the run. Uses ``REGISTRY_DATABASE_URL`` or ``--database-url`` when
set, else a throwaway embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import dataclasses
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from registry.db.engine import make_engine, make_sessionmaker, normalise_url
from registry.db.migrate import upgrade
from registry.settings import Settings
from search.backend import SearchQuery
from search.factory import make_backend
from search.opensearch import OpenSearchBackend

from .search import LocalNode, _loaded, load, make_rows, pct, typo

PREFIX = "bench-rebuild"
# The raw responses of the searches the current task made (the last one is its answer).
_responses: contextvars.ContextVar[list[dict[str, Any]]] = contextvars.ContextVar("responses")


@dataclass(slots=True)
class Probe:
    query: int
    started: float
    ms: float
    served_by: str = ""
    total: int = -1
    indices: frozenset[str] = frozenset()
    shard_failures: int = 0
    timed_out: bool = False
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error or self.served_by != "opensearch" or self.shard_failures
                    or self.timed_out)


def record_responses(primary: OpenSearchBackend) -> None:
    """Keep each raw response: ``search`` keeps only what the API returns, and which index
    answered (``_index``) or whether a shard failed is in the response alone."""
    client = primary.client
    original = client.search

    async def search(*args: Any, **kwargs: Any) -> Any:
        res = await original(*args, **kwargs)
        responses = _responses.get(None)
        if responses is not None:
            responses.append(res)
        return res

    client.search = search  # type: ignore[method-assign]


async def search_loop(backend: Any, queries: list[str], stop: asyncio.Event, probes: list[Probe],
                      start_at: int, limit: int | None = None) -> None:
    i = start_at
    done = 0
    while not stop.is_set() and (limit is None or done < limit):
        q = i % len(queries)
        responses: list[dict[str, Any]] = []
        _responses.set(responses)
        started = time.perf_counter()
        probe = Probe(query=q, started=started, ms=0.0)
        try:
            result = await backend.search(SearchQuery(q=queries[q], limit=20))
            probe.served_by = result.served_by
            probe.total = result.total
        except Exception as exc:  # counted, and the loop goes on as a server would
            probe.error = f"{type(exc).__name__}: {exc}"[:200]
        probe.ms = (time.perf_counter() - started) * 1000
        if responses:
            res = responses[-1]
            probe.indices = frozenset(h["_index"] for h in res["hits"]["hits"])
            probe.shard_failures = int(res.get("_shards", {}).get("failed", 0))
            probe.timed_out = bool(res.get("timed_out"))
        probes.append(probe)
        i += 1
        done += 1


async def searching(backend: Any, queries: list[str], searchers: int, stop: asyncio.Event,
                    per_searcher: int | None = None) -> list[Probe]:
    probes: list[Probe] = []
    step = max(1, len(queries) // searchers)
    await asyncio.gather(*(search_loop(backend, queries, stop, probes, k * step, per_searcher)
                           for k in range(searchers)))
    return probes


async def rebuild_command(env: dict[str, str]) -> tuple[float, str]:
    """``registry index rebuild`` in a process of its own, as an operator runs it."""
    registry = Path(sys.executable).with_name("registry")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        str(registry), "index", "rebuild", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"registry index rebuild failed ({proc.returncode}):\n"
                         f"{err.decode()[-2000:]}")
    lines = [line.strip() for line in (out + err).decode().replace("\r", "\n").splitlines()
             if line.strip()]
    bars = [line for line in lines if "rec/s" in line]
    return seconds, " / ".join(([bars[-1]] if bars else []) + lines[-1:])


async def watch_alias(primary: OpenSearchBackend, stop: asyncio.Event) -> dict[str, float]:
    """When (time.time()) the rebuild's index was created and when the alias moved to it,
    by polling the cluster (a few cheap requests a second)."""
    before = await primary._alias_targets()
    seen: dict[str, float] = {}
    while not stop.is_set():
        rows = await primary.client.cat.indices(index=f"{primary.alias}-*", format="json",
                                                h="index,creation.date")
        for row in rows:
            if row["index"] not in before and "created" not in seen:
                seen["created"] = int(row["creation.date"]) / 1000
        if "swapped" not in seen and (now := await primary._alias_targets()) \
                and now != before:
            seen["swapped"] = time.time()
        await asyncio.sleep(0.2)
    return seen


async def timed_rebuild(primary: OpenSearchBackend, env: dict[str, str]
                        ) -> tuple[float, float, str]:
    """The command's wall time, the time from its new index's creation to the alias swap
    (filling, refresh and swap: the rebuild itself), and what it said last."""
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_alias(primary, stop))
    seconds, said = await rebuild_command(env)
    stop.set()
    seen = await watcher
    filled = seen.get("swapped", float("nan")) - seen.get("created", float("nan"))
    return seconds, filled, said


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def summarise(label: str, probes: list[Probe]) -> None:
    times = [p.ms for p in probes if not p.failed]
    if times:
        print(f"  {label:<28} p50 {pct(times, 50):7.2f} ms   p95 {pct(times, 95):7.2f} ms"
              f"   ({len(probes):,} searches, {len(probes) / (sum(times) / 1000):,.0f}/s "
              f"per searcher)")
    else:
        print(f"  {label:<28} no search answered ({len(probes):,} searches)")


async def run(args: argparse.Namespace, db_url: str) -> None:
    engine = make_engine(db_url, pool_size=5)
    sm = make_sessionmaker(engine)
    rows = make_rows(args.n)
    if args.reuse and await _loaded(sm) >= args.n:
        print(f"postgres: reusing the {await _loaded(sm):,} entities already loaded (--reuse)")
    else:
        seconds = await load(sm, "bench", rows)
        print(f"postgres: wrote {args.n:,} entities in {seconds:.1f} s ({_load()})")
    async with sm() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
        for table in ("entities", "entity_names", "entity_identifiers"):
            await session.execute(text(f"ANALYZE {table}"))
    rng = random.Random(11)
    queries = [typo(r.name, rng) for r in rng.sample(rows, min(args.queries, len(rows)))]
    del rows

    os_url = args.local_node.url() if args.opensearch == "local" else args.opensearch
    settings = dataclasses.replace(Settings.from_env(), opensearch_url=os_url,
                                   index_prefix=PREFIX)
    env = {**os.environ, "REGISTRY_DATABASE_URL": db_url, "REGISTRY_OPENSEARCH_URL": os_url,
           "REGISTRY_INDEX_PREFIX": PREFIX}
    # The app's backend: OpenSearch, falling back to PostgreSQL when it does not answer.
    backend = make_backend(settings, sm)
    primary: OpenSearchBackend = backend.primary  # type: ignore[attr-defined]
    record_responses(primary)
    try:
        await primary.delete_all()
        seconds, filled, said = await timed_rebuild(primary, env)
        count = (await primary.client.count(index=primary.alias))["count"]
        old = await primary._alias_targets()
        print(f"rebuild 1 (first index, no searches): {count:,} documents; the command "
              f"{seconds:.1f} s ({count / seconds:,.0f} docs/s), its index created to swapped "
              f"{filled:.1f} s ({count / filled:,.0f} docs/s; {_load()})")
        print(f"  the command said: {said}")

        # Before: each query once per searcher, for the expected totals and the baseline.
        before = await searching(backend, queries, args.searchers, asyncio.Event(),
                                 per_searcher=len(queries) // args.searchers or 1)
        expected = {p.query: p.total for p in before if not p.failed}
        print(f"searches before the rebuild ({args.searchers} searchers, {_load()}):")
        summarise("search (fuzzy, facets)", before)
        failed_before = sum(p.failed for p in before)
        if failed_before:
            print(f"  {failed_before} searches failed before the rebuild: the figures below "
                  "are not about the swap")

        stop = asyncio.Event()
        loops = asyncio.create_task(searching(backend, queries, args.searchers, stop))
        started = time.perf_counter()
        seconds, filled, said = await timed_rebuild(primary, env)
        ended = time.perf_counter()
        # Searches go on a moment after the command ends: the old index is gone by then.
        await asyncio.sleep(args.tail)
        stop.set()
        probes = await loops
        new = await primary._alias_targets()
        count = (await primary.client.count(index=primary.alias))["count"]
        print(f"rebuild 2 (under search load): {count:,} documents; the command "
              f"{seconds:.1f} s ({count / seconds:,.0f} docs/s), its index created to swapped "
              f"{filled:.1f} s ({count / filled:,.0f} docs/s; {_load()})")
        print(f"  the command said: {said}")
        print(f"  alias: {old} -> {new}; old indices left: "
              f"{[i for i in old if await primary.client.indices.exists(index=i)]}")
        during = [p for p in probes if p.started < ended]
        report(during, probes, expected, set(old), set(new), started)
    finally:
        await primary.delete_all()
        await backend.close()
        await engine.dispose()


def report(during: list[Probe], probes: list[Probe], expected: dict[int, int], old: set[str],
           new: set[str], started: float) -> None:
    failed = [p for p in probes if p.failed]
    compared = [p for p in probes if not p.failed and p.query in expected]
    empty = [p for p in compared if p.total == 0 and expected[p.query] > 0]
    partial = [p for p in compared if p.total != expected[p.query] and p not in empty]
    mixed = [p for p in probes if p.indices & old and p.indices & new]
    foreign = [p for p in probes if p.indices - old - new]
    from_old = [p for p in probes if p.indices and p.indices <= old]
    from_new = [p for p in probes if p.indices and p.indices <= new]
    # Once an answer came from the new index, a search started after it must not reach the old.
    first_new = min((p.started + p.ms / 1000 for p in from_new), default=float("inf"))
    back_to_old = [p for p in from_old if p.started > first_new]
    print(f"searches during the rebuild: {len(during):,} ({len(probes):,} with the tail); "
          f"failed {len(failed)}, empty {len(empty)}, partial {len(partial)}")
    print(f"  answered by the old index {len(from_old):,}, by the new {len(from_new):,}; "
          f"mixed {len(mixed)}, other index {len(foreign)}, old after new {len(back_to_old)}; "
          f"first answer from the new index {first_new - started:.1f} s after the start")
    summarise("search during the rebuild", [p for p in during])
    for p in (failed + empty + partial + mixed + back_to_old)[:5]:
        print(f"  e.g. query {p.query}: served by {p.served_by or '-'}, total {p.total} "
              f"(before {expected.get(p.query)}), indices {sorted(p.indices)}, "
              f"shard failures {p.shard_failures}, {p.error}")
    ok = not (failed or empty or partial or mixed or foreign or back_to_old)
    print(f"searches kept answering through the swap: {'yes' if ok else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000,
                        help="distinct queries the searchers cycle through")
    parser.add_argument("--searchers", type=int, default=2, help="concurrent search loops")
    parser.add_argument("--tail", type=float, default=2.0,
                        help="seconds of searching after the command ends")
    parser.add_argument("--opensearch", default="local",
                        help="an OpenSearch URL, or 'local' (a real node from scripts/opensearch)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the entities a previous run (this or bench.search) loaded")
    args = parser.parse_args()
    args.local_node = LocalNode() if args.opensearch == "local" else None
    try:
        url = args.database_url or os.environ.get("REGISTRY_DATABASE_URL")
        if url:
            upgrade(url)
            asyncio.run(run(args, normalise_url(url)))
            return
        from registry.db.embedded import ensure_database, start_embedded

        server = start_embedded(Path(tempfile.mkdtemp(prefix="bench-rebuild-")),
                                cleanup_mode="delete")
        try:
            url = ensure_database(server)
            upgrade(url)
            asyncio.run(run(args, url))
        finally:
            server.cleanup()
    finally:
        if args.local_node is not None:
            args.local_node.stop()


if __name__ == "__main__":
    main()
