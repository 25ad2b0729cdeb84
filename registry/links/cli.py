"""``registry link`` and ``registry export links``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from registry.db.engine import make_engine, make_sessionmaker
from search.matching.model import MATCHER_VERSION

from .export import ALL_STATUSES, export_links
from .jobs import DEFAULT_BATCH, describe, run_linking

if TYPE_CHECKING:
    from registry.cli import Context


@click.command("link")
@click.option("--entity", "entity_ids", type=int, multiple=True,
              help="Link only these entities (repeatable); default: every procurement party, "
                   "registrant, client and lobbyist.")
@click.option("--run", "run_id", type=int, default=None,
              help="Link only the entities this import run wrote (what every import does "
                   "at its end unless --no-link).")
@click.option("--batch", default=DEFAULT_BATCH, show_default=True,
              type=click.IntRange(1, 10_000))
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Candidates per name from search.")
@click.pass_obj
def link_command(ctx: Context, entity_ids: tuple[int, ...], run_id: int | None, batch: int,
                 k: int) -> None:
    """Link parties across datasets: identifiers, fuzzy names, one calibrated score."""
    db = ctx.database()
    stats = asyncio.run(run_linking(db.url, list(entity_ids) or None, batch=batch, k=k,
                                    run_id=run_id, settings=ctx.settings))
    click.echo(f"{describe(stats)} (matcher {MATCHER_VERSION})", err=True)


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
