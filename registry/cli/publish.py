"""``registry publish`` (a dated snapshot of every public format) and ``registry diff OLD
NEW`` (what changed between two snapshots)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from registry.exports.diff import diff_snapshots

from .context import Context, pass_context, run_async


@click.command("publish")
@click.option("--out", "out", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory of snapshots; each run adds a dated one. Default: the one "
                   "`serve` serves at /downloads/ (REGISTRY_PUBLISH_DIR).")
@click.option("--keep", default=3, show_default=True, type=click.IntRange(min=1),
              help="How many snapshots to keep (the newest).")
@pass_context
def publish_command(ctx: Context, out: Path | None, keep: int) -> None:
    """A dated snapshot of every public format with a manifest and a Frictionless
    datapackage.json, renamed into place when complete."""
    from registry.exports.publish import publish

    started = time.perf_counter()
    out = out or ctx.settings.downloads_dir
    path = run_async(publish(ctx.database().url, out, keep=keep,
                             changes_keep_days=ctx.settings.changes_keep_days,
                             progress=lambda step: click.echo(f"  {step}", err=True)))
    click.echo(f"Published {path} in {time.perf_counter() - started:.1f}s", err=True)
    click.echo(str(path))


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def diff_command(old: Path, new: Path, out: Path | None) -> None:
    """What was added, removed or changed between two snapshots, per table (JSON Lines)."""
    if out is None:
        counts = diff_snapshots(old, new, sys.stdout)
    else:
        with out.open("w", encoding="utf-8") as fh:
            counts = diff_snapshots(old, new, fh)
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "no differences"
    click.echo(summary, err=True)
