"""``registry user create --email E --role R [--password P]`` and
``registry user reset-password --email E [--password P]``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from registry.auth.passwords import generate_password
from registry.db.engine import make_engine, make_sessionmaker
from registry.models.accounts import ROLES

if TYPE_CHECKING:
    from registry.cli import Context


T = TypeVar("T")


def _in_session(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one committed transaction; a problem becomes the command's error."""
    from registry.api.problems import Problem

    url = ctx.database().url  # may migrate the embedded database: outside the event loop

    async def go() -> T:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except Problem as exc:
        raise click.ClickException(str(exc.detail)) from exc


@click.group("user")
def user_group() -> None:
    """Accounts: create the first registrar or an administrator; reset a password."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", default=None,
              help="Omit it to have one generated and printed once.")
@click.pass_obj
def create(ctx: Context, email: str, role: str, password: str | None) -> None:
    """Create an account. A generated password is printed when none is given."""
    from registry.accounts.service import create_user

    generated = password is None
    secret = password or generate_password()

    async def work(session: AsyncSession) -> int:
        return (await create_user(session, email, secret, role, actor="cli")).id

    user_id = _in_session(ctx, work)
    click.echo(f"Created {role} {email.strip().lower()} (id {user_id}).", err=True)
    if generated:
        click.echo(f"Password (shown once): {secret}")


@user_group.command("reset-password")
@click.option("--email", required=True)
@click.option("--password", default=None,
              help="Omit it to have one generated and printed once.")
@click.pass_obj
def reset_password(ctx: Context, email: str, password: str | None) -> None:
    """Set a new password for an account (its holder lost theirs). Every access token
    issued before stops working; give the new password to its holder out of band."""
    from registry.accounts import service

    generated = password is None
    secret = password or generate_password()

    async def work(session: AsyncSession) -> None:
        await service.reset_password(session, email, secret, actor="cli")

    _in_session(ctx, work)
    click.echo(f"New password set for {email.strip().lower()}; earlier sign-ins are ended.",
               err=True)
    if generated:
        click.echo(f"Password (shown once): {secret}")
