"""Search benchmark: index N generated entities, then time 1,000 fuzzy queries per backend.

    .venv/bin/python -m bench.search [--n 1000000] [--queries 1000] [--opensearch URL|local|osmem]

Prints, for each backend: indexing throughput (PostgreSQL: the bulk COPY upsert with the
outbox triggers, which is all it needs; OpenSearch: ``rebuild`` docs/s), and p50/p95 of
``search`` (typo'd, case-changed, sometimes transliterated names) and of ``candidates``.
The baseline, measured in the same run: an exact lookup on ``entity_names.normalized``.
Also the cost of the outbox triggers on a 100k-row upsert (triggers on vs off).
Uses ``REGISTRY_DATABASE_URL`` when set, else a throwaway embedded PostgreSQL.
``--opensearch local`` starts a real single-node OpenSearch with ``scripts/opensearch`` for
the run (in a directory of its own; heap ``OPENSEARCH_HEAP``, 1g unless set) and stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.db.engine import make_engine, make_sessionmaker, normalise_url
from registry.db.migrate import upgrade
from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset
from search.backend import CandidateQuery, IndexedBackend, SearchQuery
from search.normalize import normalize_name
from search.opensearch import OpenSearchBackend
from search.postgres import PostgresBackend

from .names import NameGenerator

LATIN = ["ka", "ro", "mi", "sta", "ber", "lin", "to", "van", "del", "mar", "co", "tec", "ne",
         "sol", "gra", "pol", "tri", "ux", "en", "al", "dor", "fen", "gal", "hor", "is", "jun"]
CYRILLIC = ["ко", "ва", "лен", "дні", "про", "бу", "ді", "вель", "ки", "їв", "ша", "сте",
            "рин", "ган", "мир", "тор", "жу", "чен", "пет", "ро"]
FORMS = ["Ltd", "Limited", "LTD.", "GmbH", "LLC", "S.A.", "Inc", "ТОВ", "ПАТ", "AG", "plc", ""]
FIRST = ["John", "Maria", "Олександр", "Hans", "Elena", "Петро", "Carmen", "Jürgen", "Ana",
         "Іван", "Sophie", "Luca"]


class LocalNode:
    """A real OpenSearch node for this run (``scripts/opensearch``), started in the
    background while the data is generated and loaded."""

    script = Path(__file__).resolve().parents[1] / "scripts" / "opensearch"

    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="bench-opensearch-")
        self.env = {**os.environ, "OPENSEARCH_HOME_DIR": self.home,
                    "OPENSEARCH_PARENT_PID": str(os.getpid())}
        self.proc = subprocess.Popen(  # noqa: S603 - our own script
            [str(self.script), "start"], env=self.env,
            stdout=subprocess.PIPE, text=True)
        self._url: str | None = None

    def url(self) -> str:
        if self._url is None:
            out, _ = self.proc.communicate()
            if self.proc.returncode != 0 or not out.strip():
                raise SystemExit("scripts/opensearch start failed")
            self._url = out.strip().splitlines()[-1]
        return self._url

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.communicate()
        subprocess.run([str(self.script), "stop"], env=self.env,  # noqa: S603
                       check=False)
        shutil.rmtree(self.home, ignore_errors=True)


def _word(rng: random.Random, syllables: list[str]) -> str:
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()


def make_rows(n: int, seed: int = 7, prefix: str = "e",
              names: str = "realistic") -> list[EntityRow]:
    if names == "realistic":
        return realistic_rows(n, seed, prefix)
    rng = random.Random(seed)
    rows: list[EntityRow] = []
    for i in range(n):
        script = CYRILLIC if rng.random() < 0.25 else LATIN
        if rng.random() < 0.7:
            form = rng.choice(FORMS)
            name = " ".join([_word(rng, script) for _ in range(rng.randint(1, 3))] + [form])
            kind = "company"
        else:
            name = f"{rng.choice(FIRST)} {_word(rng, script)}"
            kind = "person"
        rows.append(EntityRow(
            source_key=f"{prefix}{i}", kind=kind, name=name.strip(), statement_id="v1",
            country=rng.choice(["GB", "UA", "DE", "ES", "FR"]),
            identifiers=[("GB-COH", f"{i:08d}")] if kind == "company" else []))
    return rows


def realistic_rows(n: int, seed: int = 7, prefix: str = "e") -> list[EntityRow]:
    """bench/names.py: a few thousand Zipf-distributed words, legal forms, 9 countries,
    Latin, Cyrillic and Greek script."""
    gen = NameGenerator(seed=seed)
    rows: list[EntityRow] = []
    for i in range(n):
        company = gen.rng.random() < 0.7
        name, country = gen.company() if company else gen.person()
        rows.append(EntityRow(
            source_key=f"{prefix}{i}", kind="company" if company else "person", name=name,
            statement_id="v1", country=country,
            identifiers=[("GB-COH", f"{i:08d}")] if company else []))
    return rows


def typo(name: str, rng: random.Random) -> str:
    words = name.split()
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        w = w[:j] + w[j + 1:] if rng.random() < 0.5 else w[:j] + w[j + 1] + w[j] + w[j + 2:]
    words[i] = w
    out = " ".join(words)
    return out.lower() if rng.random() < 0.3 else out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


async def timed(label: str, calls: list[Callable[[], Awaitable[Any]]]) -> None:
    times: list[float] = []
    for call in calls:
        t = time.perf_counter()
        await call()
        times.append((time.perf_counter() - t) * 1000)
    print(f"  {label:<34} p50 {pct(times, 50):7.2f} ms   p95 {pct(times, 95):7.2f} ms"
          f"   ({len(times)} queries)")


async def load(sm: async_sessionmaker[AsyncSession], dataset: str, rows: list[EntityRow],
               batch: int = 10_000) -> float:
    async with sm() as session, session.begin():
        if await session.get(Dataset, dataset) is None:
            session.add(Dataset(name=dataset))
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        async with sm() as session, session.begin():
            await upsert_entities(session, dataset, None, rows[i:i + batch])
    return time.perf_counter() - started


KEY_TRIGGERS = ("entity_name_keys_insert", "entity_name_keys_delete", "entity_name_keys_update")


async def _set_triggers(sm: async_sessionmaker[AsyncSession], enabled: bool,
                        keys: bool | None = None) -> None:
    """All user triggers on or off; then the blocking-key triggers (migration 0010) alone
    set to ``keys`` when given."""
    async with sm() as session, session.begin():
        for table in ("entities", "entity_names", "entity_identifiers"):
            await session.execute(
                text(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"))
        if keys is not None:
            for trigger in KEY_TRIGGERS:
                await session.execute(text(
                    f"ALTER TABLE entity_names {'ENABLE' if keys else 'DISABLE'} "
                    f"TRIGGER {trigger}"))


async def trigger_cost(sm: async_sessionmaker[AsyncSession], n: int, names: str) -> None:
    """The same upsert (inserts, then a new version of every row: updates plus replaced
    names and identifiers) with no triggers, the outbox triggers only, and all triggers
    (outbox + blocking keys), alternating, best of two."""
    await load(sm, "bench-warmup", make_rows(min(n, 5000), seed=2, prefix="w", names=names))
    configs = {"none": (False, None), "outbox": (True, False), "outbox+keys": (True, True)}
    times: dict[str, list[float]] = {c: [] for c in configs}
    for round_ in range(2):
        for config, (enabled, keys) in configs.items():
            await _set_triggers(sm, enabled, keys)
            dataset = f"bench-triggers-{config}-{round_}"
            rows = make_rows(n, seed=1, prefix="t", names=names)
            took = await load(sm, dataset, rows)
            for r in rows:
                r.statement_id = "v2"
            took += await load(sm, dataset, rows)
            times[config].append(took)
            async with sm() as session, session.begin():
                await session.execute(text("DELETE FROM entities WHERE dataset = :d"),
                                      {"d": dataset})
    await _set_triggers(sm, True, True)
    best = {c: min(t) for c, t in times.items()}
    off = best["none"]
    keys_cost = (best["outbox+keys"] - best["outbox"]) / best["outbox"] * 100
    print(f"triggers, {n:,}-row insert + {n:,}-row update: none {off:.1f} s, "
          + ", ".join(f"{c} {t:.1f} s ({(t - off) / off * 100:+.0f}%)"
                      for c, t in best.items() if c != "none")
          + f"; the keys alone: {keys_cost:+.0f}% over outbox")
    async with sm() as session, session.begin():
        await session.execute(text("DELETE FROM entities WHERE dataset LIKE 'bench-%'"))
        await session.execute(text("DELETE FROM search_outbox"))


async def query_backend(backend: IndexedBackend, sm: async_sessionmaker[AsyncSession],
                        queries: list[str], targets: list[int | None],
                        kinds: list[str]) -> None:
    """Times the queries; ``targets`` are the entities they were made from, so the share
    of queries that find their entity (recall) is printed next to the times. A register of
    a million generated names holds namesakes; the second recall counts a hit with the
    target's very name (after normalisation) as found."""
    print(f"{backend.name}:")
    found: list[list[int]] = []

    async def search(q: str) -> None:
        result = await backend.search(SearchQuery(q=q, limit=20))
        found.append([h.entity_id for h in result.hits])

    async def candidates(q: str, kind: str | None) -> None:
        result = await backend.candidates(CandidateQuery(name=q, kind=kind))
        found.append([c.entity_id for c in result])

    await timed("search (fuzzy, facets)", [partial(search, q) for q in queries])
    await _recall(sm, "search: entity in the top 20", found, targets)
    found.clear()
    await timed("candidates (top 10, of its kind)",
                [partial(candidates, q, k) for q, k in zip(queries, kinds, strict=True)])
    await _recall(sm, "candidates: entity in the top 10", found, targets)


async def _recall(sm: async_sessionmaker[AsyncSession], label: str, found: list[list[int]],
                  targets: list[int | None]) -> None:
    ids = {i for f in found for i in f} | {t for t in targets if t is not None}
    async with sm() as session:
        names: dict[int, set[str]] = {}
        for entity_id, normalized in await session.execute(
                text("SELECT entity_id, normalized FROM entity_names "
                     "WHERE entity_id = ANY(:ids)"), {"ids": list(ids)}):
            names.setdefault(entity_id, set()).add(normalized)
    total = sum(1 for t in targets if t is not None)
    exact = same_name = 0
    for hits, target in zip(found, targets, strict=True):
        if target is None:
            continue
        exact += target in hits
        same_name += any(names.get(h, set()) & names.get(target, set()) for h in hits)
    print(f"  {label:<34} recall {exact / total:.3f}; or a namesake {same_name / total:.3f}")


async def _loaded(sm: async_sessionmaker[AsyncSession]) -> int:
    async with sm() as session:
        return int((await session.execute(
            text("SELECT count(*) FROM entities WHERE dataset = 'bench'"))).scalar_one())


async def run(args: argparse.Namespace, url: str) -> None:
    engine = make_engine(url, pool_size=5)
    sm = make_sessionmaker(engine)
    if args.trigger_rows:
        await trigger_cost(sm, args.trigger_rows, args.names)
    rows = make_rows(args.n, names=args.names)
    print(f"names: {args.names}")
    if args.reuse and await _loaded(sm) >= args.n:
        print(f"postgres: reusing the {args.n:,} entities already loaded (--reuse)")
    else:
        seconds = await load(sm, "bench", rows)
        print(f"postgres: wrote {args.n:,} entities with names and identifiers in "
              f"{seconds:.1f} s ({args.n / seconds:,.0f} entities/s; this is all its indexing)")
    async with sm() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
        for table in ("entities", "entity_names", "entity_identifiers"):
            await session.execute(text(f"ANALYZE {table}"))
    rng = random.Random(11)
    sample = rng.sample(rows, min(args.queries, len(rows)))
    queries = [typo(r.name, rng) for r in sample]
    async with sm() as session:
        ids: dict[str, int] = dict((await session.execute(
            text("SELECT source_key, id FROM entities WHERE dataset = 'bench' "
                 "AND source_key = ANY(:k)"), {"k": [r.source_key for r in sample]})).all())
    targets = [ids.get(r.source_key) for r in sample]
    kinds = [r.kind for r in sample]

    async def exact(q: str) -> None:
        async with sm() as session:
            await session.execute(
                text("SELECT entity_id FROM entity_names WHERE normalized = :q LIMIT 20"),
                {"q": normalize_name(q)})

    if not args.skip_exact:
        print("baseline:")
        await timed("exact normalised-name lookup", [partial(exact, r.name) for r in sample])
    await query_backend(PostgresBackend(sm), sm, queries, targets, kinds)

    if args.opensearch:
        server = None
        os_url = args.opensearch
        if os_url == "local":
            os_url = args.local_node.url()
        elif os_url == "osmem":
            from osmem_server import OsmemServer

            server = OsmemServer.start(japanese=False)
            os_url = server.url
        backend = OpenSearchBackend(os_url, sm, prefix="bench")
        try:
            started = time.perf_counter()
            count = await backend.rebuild()
            seconds = time.perf_counter() - started
            print(f"opensearch ({args.opensearch}): indexed {count:,} documents in "
                  f"{seconds:.1f} s ({count / seconds:,.0f} docs/s)")
            await query_backend(backend, sm, queries, targets, kinds)
        finally:
            await backend.delete_all()
            await backend.close()
            if server is not None:
                server.close()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--skip-exact", action="store_true", help="skip the exact-lookup baseline")
    parser.add_argument("--trigger-rows", type=int, default=100_000,
                        help="rows for the trigger cost measurement (0 to skip)")
    parser.add_argument("--opensearch", default="osmem",
                        help="an OpenSearch URL, 'local' (start a real node with "
                        "scripts/opensearch), 'osmem' (start osmem-server), or '' to skip")
    parser.add_argument("--names", choices=["realistic", "syllables"], default="realistic",
                        help="realistic: Zipf-distributed words, legal forms, scripts "
                        "(bench/names.py); syllables: the first generator (26 syllables)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: keep the entities a previous run loaded")
    args = parser.parse_args()
    args.local_node = LocalNode() if args.opensearch == "local" else None
    try:
        _main(args)
    finally:
        if args.local_node is not None:
            args.local_node.stop()


def _main(args: argparse.Namespace) -> None:
    url = args.database_url or os.environ.get("REGISTRY_DATABASE_URL")
    if url:
        upgrade(url)
        asyncio.run(run(args, normalise_url(url)))
        return
    from registry.db.embedded import ensure_database, start_embedded

    server = start_embedded(Path(tempfile.mkdtemp(prefix="bench-search-")),
                            cleanup_mode="delete")
    try:
        url = ensure_database(server)
        upgrade(url)
        asyncio.run(run(args, url))
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
