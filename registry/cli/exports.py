"""``registry export FORMAT --out PATH``: the native and FtM dumps with their manifests, BODS,
OCDS and the links."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.exports.dumps import write_csv_zip, write_jsonl
from registry.exports.ftm import write_ftm
from registry.exports.manifest import write_manifest
from registry.links.export import ALL_STATUSES

from .context import Context, pass_context, run_async, run_with_sessions

Writer = Callable[[async_sessionmaker[AsyncSession], Path], Awaitable[dict[str, int]]]


@click.group("export")
def export_group() -> None:
    """Export in an open standard: registry export FORMAT --out PATH."""


def _export(fmt: str, writer: Writer, help_text: str) -> click.Command:
    @click.command(fmt, help=help_text)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="File to write; its manifest goes next to it.")
    @pass_context
    def command(ctx: Context, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = run_with_sessions(ctx, lambda sessionmaker: writer(sessionmaker, out))
        manifest = write_manifest(out, format=fmt, counts=counts)
        total = sum(counts.values())
        click.echo(f"Wrote {total:,} records to {out} in {time.perf_counter() - started:.1f}s "
                   f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}); "
                   f"manifest {manifest}", err=True)

    return command


jsonl_command = _export("jsonl", write_jsonl,
                        "Every public table as JSON Lines: one {table, row} object a line.")
csv_command = _export("csv", write_csv_zip, "Every public table as CSV, one file a table, zipped.")
ftm_command = _export("ftm", write_ftm,
                      "FollowTheMoney entities (JSON Lines) for Aleph, yente and friends.")
export_group.add_command(jsonl_command)
export_group.add_command(csv_command)
export_group.add_command(ftm_command)


@export_group.command("bods")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="File to write: .json (array), .jsonl, optionally .gz.")
@click.option("--dataset", "datasets", multiple=True,
              help="Export only this dataset (repeatable); default: all.")
@pass_context
def bods_export_command(ctx: Context, out: Path, datasets: tuple[str, ...]) -> None:
    """Export entities, persons and relationships as BODS 0.4 statements."""
    from registry.exports.bods import export_bods

    counts = run_async(export_bods(ctx.database().url, out, list(datasets) or None))
    click.echo(f"wrote {counts['statements']:,} statements to {out} "
               f"({counts['entity']:,} entities, {counts['person']:,} persons, "
               f"{counts['relationship']:,} relationship versions)", err=True)


@export_group.command("ocds")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .json (record package) or .jsonl (records); .gz compresses.")
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default=None,
              help="Record package or JSON Lines of records (default: from the file name).")
@pass_context
def export_ocds_command(ctx: Context, out: Path, datasets: tuple[str, ...],
                        fmt: str | None) -> None:
    """OCDS 1.1 record package: every contracting process with its releases."""
    from registry.exports.ocds import export_ocds

    counts = run_with_sessions(ctx, lambda sessionmaker: export_ocds(
        sessionmaker, out, datasets=list(datasets) or None,
        lines=None if fmt is None else fmt == "jsonl"))
    click.echo(f"Wrote {counts.records:,} records ({counts.releases:,} releases) to {out}",
               err=True)


@export_group.command("links")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--status", "statuses", multiple=True, type=click.Choice(ALL_STATUSES),
              help="Only links with this status (repeatable); default: all.")
@pass_context
def export_links_command(ctx: Context, out: Path, statuses: tuple[str, ...]) -> None:
    """Export links as JSON Lines with a manifest (DESIGN §4)."""
    from registry.links.export import export_links

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
        async with sessionmaker() as session:
            return dict(await export_links(session, out, statuses or ALL_STATUSES))

    counts = run_with_sessions(ctx, work)
    click.echo(f"wrote {counts.get('links', 0)} links to {out}", err=True)
