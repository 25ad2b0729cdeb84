"""``registry import meetings PATH... [--dataset NAME]``: officials' diaries (CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from importers.sources import encoding_option
from registry.links.jobs import link_after_import, link_option

if TYPE_CHECKING:
    from registry.cli import Context


@click.command("meetings")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dataset", default="diaries", show_default=True,
              help="Dataset name for these diaries (one per publishing institution, say).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@encoding_option
@link_option
@click.pass_obj
def meetings_import(ctx: Context, paths: tuple[str, ...], dataset: str, resume: bool,
                    encoding: str, link: bool) -> None:
    """Import meetings from officials' published diaries (CSV; columns in the README)."""
    import asyncio

    from importers.meetings import import_meetings

    summary = asyncio.run(import_meetings(ctx.database().url, list(paths), dataset=dataset,
                                          resume=resume, encoding=encoding))
    click.echo(summary.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, summary.run_id, link)
