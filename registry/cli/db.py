"""``registry db upgrade``: database maintenance."""

from __future__ import annotations

import click

from .context import Context, pass_context


@click.group("db")
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Apply the migrations."""
    ctx.database(upgrade=True)
    click.echo("Database is up to date.", err=True)
