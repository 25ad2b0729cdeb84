"""The ``registry`` command."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from importers.bods import bods_command
from importers.companies import companies_command
from importers.psc import psc_command
from registry.accounts.cli import user_group
from registry.contracts.cli import export_ocds_command, import_ocds_command
from registry.db.resolve import Database, resolve_database
from registry.donations.cli import donations_import
from registry.exports import cli as exports_cli
from registry.exports.bods import bods_export_command
from registry.exports.diff import diff_command
from registry.links.cli import export_links_command, link_command
from registry.logging import configure_logging, get_logger
from registry.meetings.cli import meetings_import
from registry.searching.cli import index_group
from registry.settings import Settings

log = get_logger("registry.cli")


class Context:
    """What every subcommand needs: settings, and the database once it is asked for."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    def database(self, *, upgrade: bool | None = None) -> Database:
        if self._db is None:
            self._db = resolve_database(self.settings)
            # The embedded default is ours to keep current; a real server is upgraded by its
            # operator with `registry db upgrade`.
            if upgrade or (upgrade is None and self._db.embedded is not None):
                from registry.db.migrate import upgrade as run_upgrade

                run_upgrade(self._db.url)
        return self._db


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Transparency registry: lobbying, beneficial ownership and procurement, linked."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    ctx.obj = Context(settings)


@cli.command()
@click.option("--demo", is_flag=True, help="Load the bundled demo data (once).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Serving processes (default: one per core).")
@pass_context
def serve(ctx: Context, demo: bool, host: str, port: int, workers: int | None) -> None:
    """Serve the API and pages."""
    from registry.serve import default_workers
    from registry.serve import serve as run_server

    db = ctx.database()
    if demo:
        from registry.demo.load import link_demo, load_demo
        from registry.links.jobs import describe

        loaded = asyncio.run(load_demo(db.url))
        click.echo("Demo data loaded." if loaded else "Demo data already present.", err=True)
        if loaded:  # once, like the loading: links and `behind` answers from the start
            click.echo(f"Demo {describe(asyncio.run(link_demo(db.url, ctx.settings)))}.",
                       err=True)
    workers = workers or default_workers()
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s)  "
               f"(API docs: http://{host}:{port}/schema)", err=True)
    run_server(ctx.settings, db.url, host=host, port=port, workers=workers)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Apply the migrations."""
    ctx.database(upgrade=True)
    click.echo("Database is up to date.", err=True)


cli.add_command(index_group)


@cli.group("import")
def import_group() -> None:
    """Import a public source: registry import SOURCE PATH... (JSON, JSON Lines, .gz, .zip)."""


@cli.group("export")
def export_group() -> None:
    """Export in an open standard: registry export FORMAT --out PATH."""


export_group.add_command(exports_cli.jsonl_command)
export_group.add_command(exports_cli.csv_command)
export_group.add_command(exports_cli.ftm_command)
cli.add_command(user_group)
import_group.add_command(meetings_import)
cli.add_command(link_command)
export_group.add_command(export_links_command)
import_group.add_command(bods_command)
import_group.add_command(psc_command)
import_group.add_command(companies_command)
export_group.add_command(bods_export_command)


def run_async(coro: Any) -> Any:
    """Run a coroutine from a click command."""
    return asyncio.run(coro)


# Feature commands, one line each.
import_group.add_command(import_ocds_command)
export_group.add_command(export_ocds_command)
import_group.add_command(donations_import)
cli.add_command(exports_cli.publish_command)
cli.add_command(diff_command)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="registry")


if __name__ == "__main__":
    sys.exit(main())
