"""``registry user create --email E --role R [--password P]`` and
``registry user reset-password --email E [--password P]``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.auth.passwords import generate_password
from registry.models.accounts import ROLES

from .context import Context, pass_context, run_with_sessions

T = TypeVar("T")


def _in_session(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one committed transaction; a problem becomes the command's error."""
    from registry.api.problems import Problem

    async def go(sessionmaker: async_sessionmaker[AsyncSession]) -> T:
        async with sessionmaker() as session, session.begin():
            return await work(session)

    try:
        return run_with_sessions(ctx, go)
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
@pass_context
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
@pass_context
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
