"""``/api/v1/registrants``: the register, its drafts, versions and review."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from sqlalchemy import and_, select

from registry.api.access import AUTHENTICATED, PUBLIC, REGISTRANT, REGISTRAR, access, principal_of
from registry.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.audit import Actor
from registry.links.jobs import link_registrant
from registry.models import Registrant, RegistrantMember, RegistrantVersion, User
from registry.settings import Settings

from . import members, service
from .codes import CATEGORIES, SUBJECT_MATTERS, code_lists
from .diff import diff
from .listing import RegistrantFilter, list_published
from .schemas import (
    Decision,
    DiffOut,
    DraftOut,
    Entry,
    InvitationOut,
    MemberIn,
    MemberOut,
    PendingOut,
    RegistrantOut,
    VersionDetail,
    VersionOut,
)
from .validate import missing_for_submission
from .views import published_views

Status = Annotated[str | None, QueryParameter(
    description="active, suspended or deregistered (published entries only)")]


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def draft_out(db_session: DbSession, registrant: Registrant) -> Response[DraftOut]:
    version = await service.latest_version(db_session, registrant)
    entry = service.entry_of(version)
    body = DraftOut(
        id=registrant.id, status=registrant.status, version=version.version,
        version_status=version.status, etag=service.etag(version.version), entry=entry,
        registration_number=registrant.registration_number,
        published_version=registrant.published_version,
        reason=version.reason if version.status == "rejected" else None,
        status_reason=registrant.status_reason,
        missing=missing_for_submission(entry) if version.status == "draft" else [])
    return Response(body, headers={"ETag": service.etag(registrant.current_version)})


async def _published(db_session: DbSession, request: Request[Any, Any, Any],
                     registrant: Registrant) -> RegistrantOut:
    views = await published_views(db_session, [registrant], _settings(request),
                                  dt.date.today())
    if not views:
        raise Problem(404, f"Registrant {registrant.id} has no published entry.",
                      field="registrant_id")
    return views[0]


async def _visible_versions(db_session: DbSession, request: Request[Any, Any, Any],
                            registrant_id: int) -> list[RegistrantVersion]:
    """Members and the registrar see every version; everyone else the approved ones."""
    registrant = await service.get_registrant(db_session, registrant_id)
    query = select(RegistrantVersion).where(RegistrantVersion.registrant_id == registrant.id)
    if not service.can_see_drafts(principal_of(request.scope), registrant.id):
        query = query.where(RegistrantVersion.status == "approved")
    versions = list((await db_session.scalars(query.order_by(RegistrantVersion.version))).all())
    if not versions:
        raise Problem(404, f"Registrant {registrant_id} has no published entry.",
                      field="registrant_id")
    return versions


class RegistrantController(Controller):
    path = "/registrants"
    tags = ["registrants"]

    @get("/", operation_id="listRegistrants", opt=access(PUBLIC),
         summary="Published register entries",
         description="Only entries with an approved version; keyset-paginated.")
    async def list_registrants(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        category: FromQuery[str | None] = None,
        subject_matter: FromQuery[str | None] = None,
        status: Status = None,
        country: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(description="part of the name")] = None,
    ) -> Page[RegistrantOut]:
        check_limit(limit)
        if category is not None and category not in CATEGORIES:
            raise Problem(400, f"Unknown category {category!r}.", field="category")
        if subject_matter is not None and subject_matter not in SUBJECT_MATTERS:
            raise Problem(400, f"Unknown subject matter {subject_matter!r}.",
                          field="subject_matter")
        after = decode_cursor(cursor)
        rows = await list_published(db_session, RegistrantFilter(
            category=category, subject_matter=subject_matter, status=status, country=country,
            q=q), limit=limit + 1, after_id=int(after[0]) if after else None)
        items = await published_views(db_session, rows[:limit], _settings(request),
                                      dt.date.today())
        return Page(items=items, next=encode_cursor([rows[limit - 1].id])
                    if len(rows) > limit else None)

    @get("/review-queue", operation_id="listRegistrantsForReview", opt=access(REGISTRAR),
         summary="Entries whose latest version awaits a decision, oldest submission first")
    async def review_queue(
        self, db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> list[PendingOut]:
        check_limit(limit)
        rows = await db_session.execute(
            select(Registrant, RegistrantVersion).join(RegistrantVersion, and_(
                RegistrantVersion.registrant_id == Registrant.id,
                RegistrantVersion.version == Registrant.current_version))
            .where(RegistrantVersion.status == service.UNDER_REVIEW)
            .order_by(RegistrantVersion.submitted_at, Registrant.id).limit(limit))
        return [PendingOut(id=r.id, name=r.name, status=r.status, version=v.version,
                           submitted_at=v.submitted_at, registration_number=r.registration_number)
                for r, v in rows]

    @get("/code-lists", operation_id="getRegistrantCodeLists", opt=access(PUBLIC),
         summary="Categories, subject matters and money bands an entry uses")
    async def get_code_lists(self) -> dict[str, dict[str, str]]:
        return code_lists()

    @post("/", operation_id="createRegistrant", opt=access(AUTHENTICATED),
          summary="Start a draft entry; the caller becomes a member of it",
          description="`name` and `category` are required; everything else may come later "
                      "(PATCH). The response carries the ETag for the next PATCH.")
    async def create_registrant(self, request: Request[Any, Any, Any], db_session: DbSession,
                                data: JSONBody[Entry]) -> Response[DraftOut]:
        registrant = await service.create(db_session, Actor(request), data)
        response = await draft_out(db_session, registrant)
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/registrants/{registrant.id}/draft"
        return response

    @get("/{registrant_id:int}", operation_id="getRegistrant", opt=access(PUBLIC),
         summary="The published entry (the latest approved version)")
    async def get_registrant(self, request: Request[Any, Any, Any], db_session: DbSession,
                             registrant_id: FromPath[int]) -> RegistrantOut:
        registrant = await service.get_registrant(db_session, registrant_id)
        return await _published(db_session, request, registrant)

    @get("/{registrant_id:int}/draft", operation_id="getRegistrantDraft",
         opt=access(REGISTRANT), summary="The working copy (latest version), with its ETag")
    async def get_draft(self, db_session: DbSession,
                        registrant_id: FromPath[int]) -> Response[DraftOut]:
        return await draft_out(db_session, await service.get_registrant(db_session,
                                                                         registrant_id))

    @patch("/{registrant_id:int}", operation_id="editRegistrant", opt=access(REGISTRANT),
           summary="Edit the entry: a JSON merge patch (RFC 7396) making a new version",
           description="Send `If-Match` with the ETag you read (428 without it, 412 when "
                       "someone else edited meanwhile). Arrays are replaced whole.")
    async def edit_registrant(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        registrant_id: FromPath[int], data: JSONBody[dict[str, Any]],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> Response[DraftOut]:
        registrant, _ = await service.edit(db_session, Actor(request), registrant_id, if_match,
                                           data)
        return await draft_out(db_session, registrant)

    @post("/{registrant_id:int}/submit", operation_id="submitRegistrant",
          opt=access(REGISTRANT), status_code=200,
          summary="Submit the latest version for review (it must be complete)")
    async def submit(self, request: Request[Any, Any, Any], db_session: DbSession,
                     registrant_id: FromPath[int]) -> Response[DraftOut]:
        registrant = await service.submit(db_session, Actor(request), registrant_id)
        return await draft_out(db_session, registrant)

    @post("/{registrant_id:int}/approve", operation_id="approveRegistrant",
          opt=access(REGISTRAR), status_code=200,
          summary="Approve the submitted version: it is published, with a registration number")
    async def approve(self, request: Request[Any, Any, Any], db_session: DbSession,
                      registrant_id: FromPath[int],
                      data: JSONBody[Decision | None] = None) -> RegistrantOut:
        registrant = await service.approve(db_session, Actor(request), registrant_id,
                                           data.reason if data else None)
        # The published entry joins the linked picture straight away (a few entities).
        await link_registrant(db_session, _settings(request), registrant.id,
                              getattr(request.app.state, "search_backend", None))
        return await _published(db_session, request, registrant)

    @post("/{registrant_id:int}/reject", operation_id="rejectRegistrant",
          opt=access(REGISTRAR), status_code=200,
          summary="Reject the submitted version, with a reason")
    async def reject(self, request: Request[Any, Any, Any], db_session: DbSession,
                     registrant_id: FromPath[int], data: JSONBody[Decision]) -> Response[DraftOut]:
        registrant = await service.reject(db_session, Actor(request), registrant_id,
                                          data.reason)
        return await draft_out(db_session, registrant)

    @post("/{registrant_id:int}/suspend", operation_id="suspendRegistrant",
          opt=access(REGISTRAR), status_code=200, summary="Suspend an active entry (reason)")
    async def suspend(self, request: Request[Any, Any, Any], db_session: DbSession,
                      registrant_id: FromPath[int], data: JSONBody[Decision]) -> Response[DraftOut]:
        registrant = await service.change_status(db_session, Actor(request), registrant_id,
                                                 "suspend", data.reason)
        return await draft_out(db_session, registrant)

    @post("/{registrant_id:int}/reinstate", operation_id="reinstateRegistrant",
          opt=access(REGISTRAR), status_code=200, summary="Lift a suspension")
    async def reinstate(self, request: Request[Any, Any, Any], db_session: DbSession,
                        registrant_id: FromPath[int],
                        data: JSONBody[Decision | None] = None) -> Response[DraftOut]:
        registrant = await service.change_status(db_session, Actor(request), registrant_id,
                                                 "reinstate", data.reason if data else None)
        return await draft_out(db_session, registrant)

    @post("/{registrant_id:int}/deregister", operation_id="deregisterRegistrant",
          opt=access(REGISTRANT), status_code=200,
          summary="Deregister the entry (by its members or the registrar)",
          description="The published entry stays visible, marked deregistered.")
    async def deregister(self, request: Request[Any, Any, Any], db_session: DbSession,
                         registrant_id: FromPath[int],
                         data: JSONBody[Decision | None] = None) -> Response[DraftOut]:
        registrant = await service.change_status(db_session, Actor(request), registrant_id,
                                                 "deregister", data.reason if data else None)
        return await draft_out(db_session, registrant)

    @get("/{registrant_id:int}/versions", operation_id="listRegistrantVersions",
         opt=access(PUBLIC), summary="The entry's versions",
         description="The public sees approved versions; members and the registrar see all.")
    async def list_versions(self, request: Request[Any, Any, Any], db_session: DbSession,
                            registrant_id: FromPath[int]) -> list[VersionOut]:
        versions = await _visible_versions(db_session, request, registrant_id)
        members = service.can_see_drafts(principal_of(request.scope), registrant_id)
        return [VersionOut(version=v.version, status=v.status, created_at=v.created_at,
                           submitted_at=v.submitted_at, decided_at=v.decided_at,
                           reason=v.reason if members else None) for v in versions]

    @get("/{registrant_id:int}/versions/{version:int}", operation_id="getRegistrantVersion",
         opt=access(PUBLIC), summary="One version of the entry")
    async def get_version(self, request: Request[Any, Any, Any], db_session: DbSession,
                          registrant_id: FromPath[int], version: FromPath[int]) -> VersionDetail:
        for v in await _visible_versions(db_session, request, registrant_id):
            if v.version == version:
                return VersionDetail(version=v.version, status=v.status, created_at=v.created_at,
                                     entry=service.entry_of(v), submitted_at=v.submitted_at,
                                     decided_at=v.decided_at)
        raise Problem(404, f"No visible version {version}.", field="version")

    @get("/{registrant_id:int}/versions/diff", operation_id="diffRegistrantVersions",
         opt=access(PUBLIC), summary="What changed between two versions",
         description="Defaults: `to` = the latest visible version, `from` = the one before.")
    async def diff_versions(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        registrant_id: FromPath[int],
        from_version: Annotated[int | None, QueryParameter(name="from")] = None,
        to_version: Annotated[int | None, QueryParameter(name="to")] = None,
    ) -> DiffOut:
        versions = {v.version: v for v in
                    await _visible_versions(db_session, request, registrant_id)}
        numbers = sorted(versions)
        to_n = to_version if to_version is not None else numbers[-1]
        if to_n not in versions:
            raise Problem(404, f"No visible version {to_n}.", field="to")
        before = [n for n in numbers if n < to_n]
        from_n = from_version if from_version is not None else (before[-1] if before else to_n)
        if from_n not in versions:
            raise Problem(404, f"No visible version {from_n}.", field="from")
        old = service.entry_data(service.entry_of(versions[from_n]))
        new = service.entry_data(service.entry_of(versions[to_n]))
        return DiffOut(from_version=from_n, to_version=to_n, changes=diff(old, new))

    @get("/{registrant_id:int}/members", operation_id="listRegistrantMembers",
         opt=access(REGISTRANT), summary="The accounts that may edit this entry")
    async def list_members(self, db_session: DbSession,
                           registrant_id: FromPath[int]) -> list[MemberOut]:
        await service.get_registrant(db_session, registrant_id)
        rows = await db_session.execute(
            select(User.id, User.email).join(RegistrantMember, RegistrantMember.user_id == User.id)
            .where(RegistrantMember.registrant_id == registrant_id).order_by(User.id))
        return [MemberOut(user_id=uid, email=email) for uid, email in rows]

    @post("/{registrant_id:int}/members", operation_id="inviteRegistrantMember",
          opt=access(REGISTRANT), status_code=202,
          summary="Invite a colleague to edit this entry (they accept to join)",
          description="The answer is the same whether or not the address has an account; "
                      "the colleague accepts with POST .../invitation/accept once signed in. "
                      "Recorded in the audit log.")
    async def invite_member(self, request: Request[Any, Any, Any], db_session: DbSession,
                            registrant_id: FromPath[int],
                            data: JSONBody[MemberIn]) -> InvitationOut:
        await service.get_registrant(db_session, registrant_id)
        email = await members.invite(db_session, Actor(request), registrant_id, data.email)
        return InvitationOut(registrant_id=registrant_id, email=email)

    @get("/{registrant_id:int}/invitations", operation_id="listRegistrantInvitations",
         opt=access(REGISTRANT), summary="Invitations not yet answered")
    async def list_invitations(self, db_session: DbSession,
                               registrant_id: FromPath[int]) -> list[InvitationOut]:
        await service.get_registrant(db_session, registrant_id)
        return [InvitationOut(registrant_id=i.registrant_id, email=i.email)
                for i in await members.pending(db_session, registrant_id)]

    @delete("/{registrant_id:int}/invitations", operation_id="withdrawRegistrantInvitation",
            opt=access(REGISTRANT), summary="Withdraw an invitation")
    async def withdraw_invitation(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        registrant_id: FromPath[int],
        email: Annotated[str, QueryParameter(max_length=320)],
    ) -> None:
        await members.withdraw(db_session, Actor(request), registrant_id, email)

    @post("/{registrant_id:int}/invitation/accept", operation_id="acceptRegistrantInvitation",
          opt=access(AUTHENTICATED), status_code=200,
          summary="Accept the invitation to this entry sent to the caller's e-mail")
    async def accept_invitation(self, request: Request[Any, Any, Any], db_session: DbSession,
                                registrant_id: FromPath[int]) -> MemberOut:
        actor = Actor(request)
        await members.answer(db_session, actor, registrant_id, accept=True)
        assert actor.principal is not None
        return MemberOut(user_id=actor.principal.user_id, email=actor.principal.email)

    @post("/{registrant_id:int}/invitation/decline", operation_id="declineRegistrantInvitation",
          opt=access(AUTHENTICATED), status_code=204,
          summary="Decline the invitation to this entry sent to the caller's e-mail")
    async def decline_invitation(self, request: Request[Any, Any, Any], db_session: DbSession,
                                 registrant_id: FromPath[int]) -> None:
        await members.answer(db_session, Actor(request), registrant_id, accept=False)

    @delete("/{registrant_id:int}/members/{user_id:int}", operation_id="removeRegistrantMember",
            opt=access(REGISTRANT), summary="Remove a member (or leave the entry)",
            description="The last member stays unless a registrar removes it.")
    async def remove_member(self, request: Request[Any, Any, Any], db_session: DbSession,
                            registrant_id: FromPath[int], user_id: FromPath[int]) -> None:
        await members.remove(db_session, Actor(request), registrant_id, user_id)
