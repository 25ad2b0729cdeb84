"""The ``registry`` command: the root group, with each command group from its own module."""

from __future__ import annotations

import sys
from typing import Any

import click

from registry.logging import configure_logging
from registry.settings import Settings

from .context import Context
from .db import db
from .exports import export_group
from .imports import import_group
from .index import index_group
from .link import link_command
from .publish import diff_command, publish_command
from .serve import serve
from .user import user_group


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Transparency registry: lobbying, beneficial ownership and procurement, linked."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    ctx.obj = Context(settings)


for command in (serve, db, index_group, import_group, export_group, user_group, link_command,
                publish_command, diff_command):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="registry")


if __name__ == "__main__":
    sys.exit(main())
