"""``registry import ocds`` and ``registry export ocds``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from importers.sources import encoding_option
from registry.links.jobs import link_after_import, link_option

if TYPE_CHECKING:  # registry.cli imports this module to register the commands
    from registry.cli import Context


@click.command("ocds")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dataset", default="ocds", show_default=True,
              help="Dataset the releases belong to (e.g. ocds-prozorro).")
@click.option("--validate", is_flag=True,
              help="Also check each release against the OCDS 1.1 schema and skip invalid ones "
                   "(slower).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run over the same paths.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that compile in parallel when many contracting processes are "
                   "queued (default: one per core, at most 4; 1: none).")
@encoding_option
@link_option
@click.pass_obj
def import_ocds_command(ctx: Context, paths: tuple[str, ...], dataset: str, validate: bool,
                        resume: bool, workers: int | None, encoding: str, link: bool) -> None:
    """OCDS release or record packages, JSON Lines of releases or packages, .gz, .zip.

    Releases of one ocid are compiled into a contract by the OCDS merge rules.
    """
    from importers.ocds import import_ocds
    from importers.ocds_parallel import WORKERS

    db = ctx.database()
    summary = asyncio.run(import_ocds(db.url, list(paths), dataset=dataset, validate=validate,
                                    resume=resume, workers=workers or WORKERS,
                                    encoding=encoding))
    click.echo(summary.render(), err=True)
    link_after_import(db.url, ctx.settings, summary.run_id, link)


@click.command("ocds")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .json (record package) or .jsonl (records); .gz compresses.")
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default=None,
              help="Record package or JSON Lines of records (default: from the file name).")
@click.pass_obj
def export_ocds_command(ctx: Context, out: Path, datasets: tuple[str, ...],
                        fmt: str | None) -> None:
    """OCDS 1.1 record package: every contracting process with its releases."""
    from registry.db.engine import make_engine, make_sessionmaker
    from registry.exports.ocds import export_ocds

    url = ctx.database().url  # may start and migrate the embedded server: before the loop

    async def run() -> None:
        engine = make_engine(url)
        try:
            counts = await export_ocds(make_sessionmaker(engine), out,
                                       datasets=list(datasets) or None,
                                       lines=None if fmt is None else fmt == "jsonl")
        finally:
            await engine.dispose()
        click.echo(f"Wrote {counts.records:,} records ({counts.releases:,} releases) to {out}",
                   err=True)

    asyncio.run(run())
