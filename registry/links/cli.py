"""``registry link`` and ``registry export links``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from tqdm import tqdm

from registry.db.engine import make_engine, make_sessionmaker
from search.linking import LinkStats, link_entities, probe_ids
from search.matching.model import MATCHER_VERSION
from search.matching.trigram import TrigramCandidates

from .export import ALL_STATUSES, export_links

if TYPE_CHECKING:
    from registry.cli import Context


async def run_linking(url: str, entity_ids: list[int] | None, batch: int, k: int,
                      progress: bool = True) -> LinkStats:
    engine = make_engine(url)
    total = LinkStats()
    try:
        sm = make_sessionmaker(engine)
        async with sm() as session:
            ids = entity_ids if entity_ids else await probe_ids(session)
        bar = tqdm(total=len(ids), unit=" entities", desc="link", file=sys.stderr,
                   disable=not progress)
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            # One transaction per batch: an interrupted run keeps what it linked, and a
            # re-run only rewrites what changed.
            async with sm() as session, session.begin():
                # TEMPORARY: the configured SearchBackend once the search branch is merged.
                stats = await link_entities(session, TrigramCandidates(session), chunk, k=k)
            total.add(stats)
            bar.update(len(chunk))
            bar.set_postfix(auto=total.auto, candidate=total.candidate)
        bar.close()
    finally:
        await engine.dispose()
    return total


@click.command("link")
@click.option("--entity", "entity_ids", type=int, multiple=True,
              help="Link only these entities (repeatable); default: every procurement party, "
                   "registrant, client and lobbyist.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Candidates per name from search.")
@click.pass_obj
def link_command(ctx: Context, entity_ids: tuple[int, ...], batch: int, k: int) -> None:
    """Link parties across datasets: identifiers, fuzzy names, one calibrated score."""
    db = ctx.database()
    stats = asyncio.run(run_linking(db.url, list(entity_ids) or None, batch, k))
    click.echo(f"linked {stats.probes} entities with matcher {MATCHER_VERSION}: "
               f"{stats.pairs_scored} pairs scored, {stats.auto} auto, "
               f"{stats.candidate} candidates for review, {stats.removed} stale links removed",
               err=True)


@click.command("links")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--status", "statuses", multiple=True, type=click.Choice(ALL_STATUSES),
              help="Only links with this status (repeatable); default: all.")
@click.pass_obj
def export_links_command(ctx: Context, out: Path, statuses: tuple[str, ...]) -> None:
    """Export links as JSON Lines with a manifest (DESIGN §4)."""
    db = ctx.database()

    async def run() -> dict[str, int]:
        engine = make_engine(db.url)
        try:
            async with make_sessionmaker(engine)() as session:
                return dict(await export_links(session, out, statuses or ALL_STATUSES))
        finally:
            await engine.dispose()

    counts = asyncio.run(run())
    click.echo(f"wrote {counts.get('links', 0)} links to {out}", err=True)
