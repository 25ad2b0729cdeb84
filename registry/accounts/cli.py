"""``registry user create --email E --role R [--password P]``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from registry.auth.passwords import generate_password
from registry.db.engine import make_engine, make_sessionmaker
from registry.models.accounts import ROLES

if TYPE_CHECKING:
    from registry.cli import Context


@click.group("user")
def user_group() -> None:
    """Accounts: create the first registrar or an administrator."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", default=None,
              help="Omit it to have one generated and printed once.")
@click.pass_obj
def create(ctx: Context, email: str, role: str, password: str | None) -> None:
    """Create an account. A generated password is printed when none is given."""
    from registry.accounts.service import create_user
    from registry.api.problems import Problem

    generated = password is None
    secret = password or generate_password()

    url = ctx.database().url  # may migrate the embedded database: outside the event loop

    async def go() -> int:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                user = await create_user(session, email, secret, role, actor="cli")
                return user.id
        finally:
            await engine.dispose()

    try:
        user_id = asyncio.run(go())
    except Problem as exc:
        raise click.ClickException(str(exc.detail)) from exc
    click.echo(f"Created {role} {email.strip().lower()} (id {user_id}).", err=True)
    if generated:
        click.echo(f"Password (shown once): {secret}")
