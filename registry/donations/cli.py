"""``registry import donations PATH... [--format uk-ec|csv] [--dataset NAME]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from registry.links.jobs import link_after_import, link_option

if TYPE_CHECKING:
    from registry.cli import Context


@click.command("donations")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["uk-ec", "csv"]), default=None,
              help="uk-ec: the Electoral Commission's download; csv: the generic columns "
                   "(README). Default: uk-ec when the header has ECRef.")
@click.option("--dataset", default=None,
              help="Dataset name (default gb-ec-donations for uk-ec, donations for csv).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@link_option
@click.pass_obj
def donations_import(ctx: Context, paths: tuple[str, ...], fmt: str | None,
                     dataset: str | None, resume: bool, link: bool) -> None:
    """Import donations to political parties (CSV), then link their donors."""
    import asyncio

    from importers.donations import import_donations

    summary = asyncio.run(import_donations(ctx.database().url, list(paths), fmt=fmt,
                                           dataset=dataset, resume=resume))
    click.echo(summary.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, summary.run_id, link)
