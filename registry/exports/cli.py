"""``registry export jsonl|csv|ftm --out PATH``: the native and FtM dumps, with manifests."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.db.engine import make_engine, make_sessionmaker

from .dumps import write_csv_zip, write_jsonl
from .ftm import write_ftm
from .manifest import write_manifest

Writer = Callable[[async_sessionmaker[AsyncSession], Path], Awaitable[dict[str, int]]]


async def _run(database_url: str, writer: Writer, out: Path) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        return await writer(make_sessionmaker(engine), out)
    finally:
        await engine.dispose()


def _export(fmt: str, writer: Writer, help_text: str) -> click.Command:
    @click.command(fmt, help=help_text)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="File to write; its manifest goes next to it.")
    @click.pass_obj
    def command(ctx: object, out: Path) -> None:
        from registry.cli import Context, run_async

        assert isinstance(ctx, Context)
        out.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = run_async(_run(ctx.database().url, writer, out))
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


@click.command("publish")
@click.option("--out", "out", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory of snapshots; each run adds a dated one. Default: the one "
                   "`serve` serves at /downloads/ (REGISTRY_PUBLISH_DIR).")
@click.option("--keep", default=3, show_default=True, type=click.IntRange(min=1),
              help="How many snapshots to keep (the newest).")
@click.pass_obj
def publish_command(ctx: object, out: Path | None, keep: int) -> None:
    """A dated snapshot of every public format with a manifest and a Frictionless
    datapackage.json, renamed into place when complete."""
    from registry.cli import Context, run_async

    from .publish import publish

    assert isinstance(ctx, Context)
    started = time.perf_counter()
    out = out or ctx.settings.downloads_dir
    path = run_async(publish(ctx.database().url, out, keep=keep,
                             progress=lambda step: click.echo(f"  {step}", err=True)))
    click.echo(f"Published {path} in {time.perf_counter() - started:.1f}s", err=True)
    click.echo(str(path))
