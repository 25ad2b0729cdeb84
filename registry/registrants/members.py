"""Who may edit an entry: members invite, the invited account accepts; members leave or are
removed.

An invitation names an e-mail address, whether or not it has an account, and the answer is
the same either way: asking never tells whether someone has signed up. The account that
signs in with that address sees its invitations (``GET /api/v1/accounts/me/invitations``)
and accepts or declines each; until then it is no member of anything.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.service import normalise_email
from registry.api.problems import Problem
from registry.audit import Actor
from registry.models import Registrant, RegistrantInvitation, RegistrantMember, User

MAX_PENDING = 50  # invitations an entry may have open at once


async def invite(session: AsyncSession, actor: Actor, registrant_id: int, email: str) -> str:
    address = normalise_email(email)
    if "@" not in address or len(address) > 320:
        raise Problem(422, "Give the colleague's e-mail address.", field="email",
                      type_="validation")
    pending = await session.scalar(select(func.count()).select_from(RegistrantInvitation)
                                   .where(RegistrantInvitation.registrant_id == registrant_id))
    if (pending or 0) >= MAX_PENDING:
        raise Problem(429, f"At most {MAX_PENDING} open invitations; withdraw some first.",
                      field="email", type_="too-many-invitations")
    await session.execute(insert(RegistrantInvitation).values(
        registrant_id=registrant_id, email=address,
        invited_by=actor.principal.user_id if actor.principal else None,
    ).on_conflict_do_nothing(constraint="uq_registrant_invitations_registrant_email"))
    actor.log(session, "registrant.invite_member", "registrant", registrant_id,
              {"email": address})
    return address


async def pending(session: AsyncSession, registrant_id: int) -> list[RegistrantInvitation]:
    return list((await session.scalars(select(RegistrantInvitation).where(
        RegistrantInvitation.registrant_id == registrant_id)
        .order_by(RegistrantInvitation.id))).all())


async def withdraw(session: AsyncSession, actor: Actor, registrant_id: int, email: str) -> None:
    address = normalise_email(email)
    result = await session.execute(delete(RegistrantInvitation).where(
        RegistrantInvitation.registrant_id == registrant_id,
        RegistrantInvitation.email == address))
    if not getattr(result, "rowcount", 0):
        raise Problem(404, "No open invitation for this address.", field="email")
    actor.log(session, "registrant.withdraw_invitation", "registrant", registrant_id,
              {"email": address})


async def invitations_for(session: AsyncSession, email: str) -> list[tuple[int, str]]:
    """(registrant id, name) of the entries that invited this address."""
    rows = await session.execute(
        select(Registrant.id, Registrant.name)
        .join(RegistrantInvitation, RegistrantInvitation.registrant_id == Registrant.id)
        .where(RegistrantInvitation.email == normalise_email(email))
        .order_by(RegistrantInvitation.id))
    return [(rid, name) for rid, name in rows]


async def answer(session: AsyncSession, actor: Actor, registrant_id: int,
                 accept: bool) -> None:
    """The signed-in account accepts (becomes a member) or declines its invitation."""
    principal = actor.principal
    assert principal is not None
    result = await session.execute(delete(RegistrantInvitation).where(
        RegistrantInvitation.registrant_id == registrant_id,
        RegistrantInvitation.email == normalise_email(principal.email)))
    if not getattr(result, "rowcount", 0):
        raise Problem(404, f"No invitation to registrant {registrant_id} for this account.",
                      field="registrant_id")
    if accept:
        await session.execute(insert(RegistrantMember).values(
            user_id=principal.user_id, registrant_id=registrant_id).on_conflict_do_nothing())
    actor.log(session, "registrant.accept_invitation" if accept
              else "registrant.decline_invitation", "registrant", registrant_id,
              {"user_id": principal.user_id})


async def remove(session: AsyncSession, actor: Actor, registrant_id: int, user_id: int) -> None:
    """A member leaves or is removed. The last member stays unless a registrar removes it
    (an entry nobody can edit is the registrar's to handle)."""
    members = list((await session.scalars(select(RegistrantMember.user_id).where(
        RegistrantMember.registrant_id == registrant_id).with_for_update())).all())
    if user_id not in members:
        raise Problem(404, f"Account {user_id} is not a member.", field="user_id")
    principal = actor.principal
    if len(members) == 1 and not (principal is not None and principal.is_registrar):
        raise Problem(409, "The last member cannot be removed; invite a colleague first.",
                      field="user_id", type_="conflict")
    await session.execute(delete(RegistrantMember).where(
        RegistrantMember.registrant_id == registrant_id, RegistrantMember.user_id == user_id))
    email = await session.scalar(select(User.email).where(User.id == user_id))
    actor.log(session, "registrant.remove_member", "registrant", registrant_id,
              {"user_id": user_id, "email": email})
