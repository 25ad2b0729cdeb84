"""Options several import commands share, and the linking step every import ends with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from importers.core.sources import DEFAULT_ENCODING, check_encoding
from registry.settings import Settings

from .context import run_async

F = TypeVar("F", bound=Callable[..., Any])


def encoding_option(command: F) -> F:
    """``--encoding`` for an import command: checked before anything is read."""

    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        try:
            return check_encoding(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        "--encoding", default=DEFAULT_ENCODING, show_default=True, callback=check,
        help="Text encoding of the files (e.g. iso-8859-1, cp1252); a byte that cannot be "
             "decoded is reported with its file and byte offset.")(command)


def link_option(command: F) -> F:
    """``--link/--no-link`` for an import command."""
    option = click.option(
        "--link/--no-link", "link", default=True, show_default=True,
        help="Afterwards, link the entities this import wrote to the other datasets.")
    return option(command)


def link_after_import(url: str, settings: Settings, run_id: int | None, link: bool) -> None:
    """The step every ``registry import`` ends with: link what the run wrote."""
    from registry.links.jobs import describe, run_linking

    if not link or run_id is None:
        return
    stats = run_async(run_linking(url, None, run_id=run_id, settings=settings))
    click.echo(describe(stats) if stats.probes else "nothing new to link", err=True)
