"""``registry import SOURCE PATH...``: one command per source, each a thin shell around its
importer (``importers/``), ending with the linking of what the run wrote."""

from __future__ import annotations

from pathlib import Path

import click

from importers.bods.importer import BATCH_SIZE as BODS_BATCH_SIZE
from importers.bods.importer import DEFAULT_DATASET as BODS_DATASET
from importers.bods.importer import import_bods
from importers.companies import BATCH_SIZE as COMPANIES_BATCH_SIZE
from importers.companies import FORMATS as COMPANY_FORMATS
from importers.companies import import_companies
from importers.psc import BATCH_SIZE as PSC_BATCH_SIZE
from importers.psc import DEFAULT_DATASET as PSC_DATASET
from importers.psc import import_psc

from .context import Context, pass_context, run_async
from .options import encoding_option, link_after_import, link_option


@click.group("import")
def import_group() -> None:
    """Import a public source: registry import SOURCE PATH... (JSON, JSON Lines, .gz, .zip)."""


@import_group.command("bods")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", default=BODS_DATASET, show_default=True,
              help="Dataset the records belong to.")
@click.option("--batch-size", default=BODS_BATCH_SIZE, show_default=True, type=int)
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@encoding_option
@link_option
@pass_context
def bods_command(ctx: Context, paths: tuple[Path, ...], dataset: str, batch_size: int,
                 resume: bool, encoding: str, link: bool) -> None:
    """Import BODS 0.4 (or 0.2/0.3) statements: JSON arrays or JSON Lines, .gz, .zip."""
    result = run_async(import_bods(ctx.database().url, [str(p) for p in paths], dataset,
                                   batch_size=batch_size, resume=resume, encoding=encoding))
    click.echo(result.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, result.run_id, link)


@import_group.command("psc")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", default=PSC_DATASET, show_default=True)
@click.option("--batch-size", default=PSC_BATCH_SIZE, show_default=True, type=int)
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@encoding_option
@link_option
@pass_context
def psc_command(ctx: Context, paths: tuple[Path, ...], dataset: str, batch_size: int,
                resume: bool, encoding: str, link: bool) -> None:
    """Import the UK PSC snapshot (JSON Lines; .gz and .zip too)."""
    result = run_async(import_psc(ctx.database().url, [str(p) for p in paths], dataset,
                                  batch_size=batch_size, resume=resume, encoding=encoding))
    click.echo(result.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, result.run_id, link)


@import_group.command("companies")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(COMPANY_FORMATS), required=True,
              help="uk-ch: Companies House company data; csv: the generic register file.")
@click.option("--dataset", default=None,
              help="Default: gb-companies (uk-ch), companies (csv).")
@click.option("--batch-size", default=COMPANIES_BATCH_SIZE, show_default=True, type=int)
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@link_option
@pass_context
def companies_command(ctx: Context, paths: tuple[Path, ...], fmt: str, dataset: str | None,
                      batch_size: int, resume: bool, link: bool) -> None:
    """Import a company register (CSV; .gz and zipped parts too)."""
    result = run_async(import_companies(ctx.database().url, [str(p) for p in paths], fmt=fmt,
                                        dataset=dataset, batch_size=batch_size,
                                        resume=resume))
    click.echo(result.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, result.run_id, link)


@import_group.command("ocds")
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
@pass_context
def import_ocds_command(ctx: Context, paths: tuple[str, ...], dataset: str, validate: bool,
                        resume: bool, workers: int | None, encoding: str, link: bool) -> None:
    """OCDS release or record packages, JSON Lines of releases or packages, .gz, .zip.

    Releases of one ocid are compiled into a contract by the OCDS merge rules.
    """
    from importers.ocds.importer import import_ocds
    from importers.ocds.parallel import WORKERS

    db = ctx.database()
    summary = run_async(import_ocds(db.url, list(paths), dataset=dataset, validate=validate,
                                    resume=resume, workers=workers or WORKERS,
                                    encoding=encoding))
    click.echo(summary.render(), err=True)
    link_after_import(db.url, ctx.settings, summary.run_id, link)


@import_group.command("meetings")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dataset", default="diaries", show_default=True,
              help="Dataset name for these diaries (one per publishing institution, say).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@encoding_option
@link_option
@pass_context
def meetings_import(ctx: Context, paths: tuple[str, ...], dataset: str, resume: bool,
                    encoding: str, link: bool) -> None:
    """Import meetings from officials' published diaries (CSV; columns in the README)."""
    from importers.meetings import import_meetings

    summary = run_async(import_meetings(ctx.database().url, list(paths), dataset=dataset,
                                        resume=resume, encoding=encoding))
    click.echo(summary.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, summary.run_id, link)


@import_group.command("donations")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["uk-ec", "csv"]), default=None,
              help="uk-ec: the Electoral Commission's download; csv: the generic columns "
                   "(README). Default: uk-ec when the header has ECRef.")
@click.option("--dataset", default=None,
              help="Dataset name (default gb-ec-donations for uk-ec, donations for csv).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run of the same files.")
@link_option
@pass_context
def donations_import(ctx: Context, paths: tuple[str, ...], fmt: str | None,
                     dataset: str | None, resume: bool, link: bool) -> None:
    """Import donations to political parties (CSV), then link their donors."""
    from importers.donations import import_donations

    summary = run_async(import_donations(ctx.database().url, list(paths), fmt=fmt,
                                         dataset=dataset, resume=resume))
    click.echo(summary.render(), err=True)
    link_after_import(ctx.database().url, ctx.settings, summary.run_id, link)
