"""The life of a register entry.

draft --submit--> submitted --approve--> active (published) --suspend--> suspended
                     \\--reject--> rejected (edit, submit again)        --reinstate--> active
any --deregister--> deregistered

Every edit is a new immutable version (PATCH with If-Match = the current version, so two
people editing at once cannot overwrite each other). An active entry may be edited and
resubmitted: the public keeps seeing the last approved version until the new one is approved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import Principal
from registry.api.problems import Problem
from registry.audit import Actor
from registry.models import Registrant, RegistrantMember, RegistrantVersion

from . import publish
from .diff import diff, merge_patch
from .schemas import Entry
from .validate import code_issues, missing_for_submission, parse_entry, raise_issues

REGISTRATION_NUMBER_LOCK = 7_424_851_010
UNDER_REVIEW = "submitted"


def etag(version: int) -> str:
    return f'"{version}"'


def matches(if_match: str, version: int) -> bool:
    for tag in (t.strip() for t in if_match.split(",")):
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == str(version):
            return True
    return False


def entry_data(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(entry)
    return data


def entry_of(version: RegistrantVersion) -> Entry:
    return msgspec.convert(version.data, Entry, strict=False)


def can_see_drafts(principal: Principal | None, registrant_id: int) -> bool:
    return principal is not None and (principal.is_registrar
                                      or registrant_id in principal.registrant_ids)


async def get_registrant(session: AsyncSession, registrant_id: int, *,
                         lock: bool = False) -> Registrant:
    query = select(Registrant).where(Registrant.id == registrant_id)
    if lock:
        query = query.with_for_update()
    registrant = (await session.scalars(query)).first()
    if registrant is None:
        raise Problem(404, f"No registrant with id {registrant_id}.", field="registrant_id")
    return registrant


async def get_version(session: AsyncSession, registrant_id: int,
                      version: int) -> RegistrantVersion | None:
    return (await session.scalars(select(RegistrantVersion).where(
        RegistrantVersion.registrant_id == registrant_id,
        RegistrantVersion.version == version))).first()


async def latest_version(session: AsyncSession, registrant: Registrant) -> RegistrantVersion:
    version = await get_version(session, registrant.id, registrant.current_version)
    assert version is not None, registrant.id
    return version


def _require_name_and_category(entry: Entry) -> None:
    if not (entry.name or "").strip():
        raise Problem(422, "name: give the registrant's name.", field="name",
                      type_="validation")
    if not entry.category:
        raise Problem(422, "category: choose a category.", field="category", type_="validation")


async def create(session: AsyncSession, actor: Actor, entry: Entry) -> Registrant:
    _require_name_and_category(entry)
    raise_issues(code_issues(entry))
    principal = actor.principal
    registrant = Registrant(name=(entry.name or "").strip(), category=entry.category or "",
                            status="draft", current_version=1,
                            created_by=principal.user_id if principal else None)
    session.add(registrant)
    await session.flush()
    session.add(RegistrantVersion(registrant_id=registrant.id, version=1, data=entry_data(entry),
                                  status="draft",
                                  author_id=principal.user_id if principal else None))
    if principal is not None and not principal.is_registrar:
        session.add(RegistrantMember(user_id=principal.user_id, registrant_id=registrant.id))
    actor.log(session, "registrant.create", "registrant", registrant.id,
              {"version": 1, "name": registrant.name, "category": registrant.category})
    await session.flush()
    return registrant


async def edit(session: AsyncSession, actor: Actor, registrant_id: int, if_match: str | None,
               patch: Any) -> tuple[Registrant, RegistrantVersion]:
    if not isinstance(patch, dict):
        raise Problem(422, "The body must be a JSON merge patch (an object).",
                      type_="validation")
    if not if_match:
        raise Problem(428, "Send If-Match with the ETag of the version you edited.",
                      field="If-Match", type_="precondition-required")
    registrant = await get_registrant(session, registrant_id, lock=True)
    if not matches(if_match, registrant.current_version):
        raise Problem(412, f"The entry has changed since you read it: it is at version "
                           f"{registrant.current_version}. Reload, then edit again.",
                      field="If-Match", type_="edit-conflict",
                      current_version=registrant.current_version,
                      headers={"ETag": etag(registrant.current_version)})
    if registrant.status == "deregistered":
        raise Problem(409, "A deregistered entry cannot be edited.", type_="conflict")
    current = await latest_version(session, registrant)
    if current.status == UNDER_REVIEW:
        raise Problem(409, "The entry is under review; wait for the registrar's decision.",
                      type_="conflict")
    merged = merge_patch(current.data, patch)
    entry = parse_entry(merged)
    _require_name_and_category(entry)
    raise_issues(code_issues(entry))
    data = entry_data(entry)
    if data == entry_data(entry_of(current)):
        return registrant, current  # nothing changed: no new version
    number = registrant.current_version + 1
    version = RegistrantVersion(registrant_id=registrant.id, version=number, data=data,
                                status="draft",
                                author_id=actor.principal.user_id if actor.principal else None)
    session.add(version)
    registrant.current_version = number
    if registrant.published_version is None:
        # Before publication the working name is the listing name (see the model).
        registrant.name = (entry.name or "").strip()
        registrant.category = entry.category or registrant.category
    actor.log(session, "registrant.edit", "registrant", registrant.id,
              {"version": number,
               "changed": sorted({c.path for c in diff(current.data, data)})[:200]})
    await session.flush()
    return registrant, version


async def submit(session: AsyncSession, actor: Actor, registrant_id: int) -> Registrant:
    registrant = await get_registrant(session, registrant_id, lock=True)
    if registrant.status == "deregistered":
        raise Problem(409, "A deregistered entry cannot be submitted.", type_="conflict")
    version = await latest_version(session, registrant)
    if version.status != "draft":
        raise Problem(409, f"Version {version.version} is {version.status}; edit the entry "
                           "to make a new draft before submitting.", type_="conflict")
    entry = entry_of(version)
    raise_issues(code_issues(entry))
    raise_issues(missing_for_submission(entry), title="The entry is incomplete")
    version.status = UNDER_REVIEW
    version.submitted_at = dt.datetime.now(dt.UTC)
    if registrant.published_version is None:
        registrant.status = "submitted"
    actor.log(session, "registrant.submit", "registrant", registrant.id,
              {"version": version.version})
    return registrant


async def _pending(session: AsyncSession, registrant: Registrant) -> RegistrantVersion:
    version = await latest_version(session, registrant)
    if version.status != UNDER_REVIEW:
        raise Problem(409, "There is no submitted version to decide on.", type_="conflict")
    return version


async def _next_registration_number(session: AsyncSession) -> str:
    # Serialise number assignment: two approvals at once must not take the same number.
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                          {"k": REGISTRATION_NUMBER_LOCK})
    last = await session.scalar(select(func.max(Registrant.registration_number))
                                .where(Registrant.registration_number.op("~")("^R[0-9]{6}$")))
    return f"R{(int(last[1:]) if last else 0) + 1:06d}"


async def approve(session: AsyncSession, actor: Actor, registrant_id: int,
                  reason: str | None) -> Registrant:
    registrant = await get_registrant(session, registrant_id, lock=True)
    version = await _pending(session, registrant)
    now = dt.datetime.now(dt.UTC)
    version.status = "approved"
    version.decided_at = now
    version.decided_by = actor.principal.user_id if actor.principal else None
    version.reason = reason
    entry = entry_of(version)
    registrant.published_version = version.version
    registrant.name = (entry.name or registrant.name).strip()
    registrant.category = entry.category or registrant.category
    if registrant.status in {"draft", "submitted", "rejected"}:
        registrant.status = "active"
        registrant.status_changed_at = now
        registrant.status_reason = None
    if registrant.registration_number is None:
        registrant.registration_number = await _next_registration_number(session)
    if registrant.registered_at is None:
        registrant.registered_at = now
    await publish.publish(session, registrant, entry, version.version)
    actor.log(session, "registrant.approve", "registrant", registrant.id,
              {"version": version.version,
               "registration_number": registrant.registration_number, "reason": reason})
    return registrant


async def reject(session: AsyncSession, actor: Actor, registrant_id: int,
                 reason: str | None) -> Registrant:
    if not (reason or "").strip():
        raise Problem(422, "Give the reason for the rejection.", field="reason",
                      type_="validation")
    registrant = await get_registrant(session, registrant_id, lock=True)
    version = await _pending(session, registrant)
    version.status = "rejected"
    version.decided_at = dt.datetime.now(dt.UTC)
    version.decided_by = actor.principal.user_id if actor.principal else None
    version.reason = reason
    if registrant.published_version is None:
        registrant.status = "rejected"
        registrant.status_changed_at = version.decided_at
    actor.log(session, "registrant.reject", "registrant", registrant.id,
              {"version": version.version, "reason": reason})
    return registrant


async def change_status(session: AsyncSession, actor: Actor, registrant_id: int, action: str,
                        reason: str | None) -> Registrant:
    """suspend (active → suspended, reason required), reinstate (suspended → active),
    deregister (any → deregistered). A suspended entry's members may deregister it, but the
    registrar's reason for the suspension stays the public one."""
    registrant = await get_registrant(session, registrant_id, lock=True)
    allowed = {"suspend": ({"active"}, "suspended"), "reinstate": ({"suspended"}, "active"),
               "deregister": ({"draft", "submitted", "rejected", "active", "suspended"},
                              "deregistered")}
    sources, target = allowed[action]
    if registrant.status not in sources:
        raise Problem(409, f"A {registrant.status} entry cannot be {target}.", type_="conflict")
    if action == "suspend" and not (reason or "").strip():
        raise Problem(422, "Give the reason for the suspension.", field="reason",
                      type_="validation")
    by_registrar = actor.principal is not None and actor.principal.is_registrar
    if action == "reinstate":
        registrant.status_reason = None
    elif registrant.status == "suspended" and not by_registrar:
        pass  # the registrar's public reason for the suspension stands; theirs is audited
    else:
        registrant.status_reason = reason
    registrant.status = target
    registrant.status_changed_at = dt.datetime.now(dt.UTC)
    if action == "deregister":
        await publish.close_entities(session, registrant)
    actor.log(session, f"registrant.{action}", "registrant", registrant.id,
              {"status": target, "reason": reason})
    return registrant
