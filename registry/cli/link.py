"""``registry link``: link parties across datasets."""

from __future__ import annotations

import click

from registry.links.jobs import DEFAULT_BATCH, describe, run_linking
from search.matching.model import MATCHER_VERSION

from .context import Context, pass_context, run_async


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
@pass_context
def link_command(ctx: Context, entity_ids: tuple[int, ...], run_id: int | None, batch: int,
                 k: int) -> None:
    """Link parties across datasets: identifiers, fuzzy names, one calibrated score."""
    db = ctx.database()
    stats = run_async(run_linking(db.url, list(entity_ids) or None, batch=batch, k=k,
                                  run_id=run_id, settings=ctx.settings))
    click.echo(f"{describe(stats)} (matcher {MATCHER_VERSION})", err=True)
