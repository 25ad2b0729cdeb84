"""``/api/v1/accounts`` (sign-up, me, API keys), ``/api/v1/auth/token``, ``/api/v1/audit``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select

from registry.api.access import ADMIN, AUTHENTICATED, PUBLIC, Principal, access, principal_of
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
from registry.auth.tokens import issue_token
from registry.models import ApiKey, AuditLog
from registry.registrants.members import invitations_for
from registry.settings import Settings

from . import service
from .schemas import (
    AccountOut,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AuditOut,
    Credentials,
    InvitationToMe,
    MembershipOut,
    PasswordChange,
    SignUp,
    TokenOut,
)


def caller(request: Request[Any, Any, Any]) -> Principal:
    principal = principal_of(request.scope)
    if principal is None:  # the guard lets no anonymous caller through to these handlers
        raise Problem(401, "Sign in first.")
    return principal


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(id=key.id, name=key.name, prefix=key.prefix, scopes=list(key.scopes),
                     created_at=key.created_at, last_used_at=key.last_used_at,
                     revoked_at=key.revoked_at)


def _token(request: Request[Any, Any, Any], user_id: int, at: float | None = None) -> TokenOut:
    settings: Settings = request.app.state.settings
    ttl = settings.access_token_minutes * 60
    token = issue_token(settings.effective_secret_key(), user_id, ttl, now=at)
    return TokenOut(access_token=token, token_type="bearer", expires_in=ttl)  # noqa: S106


class AccountController(Controller):
    path = "/accounts"
    tags = ["accounts"]

    @post("/", operation_id="signUp", opt=access(PUBLIC), summary="Create an account",
          description="A new account has the role `registrant`; it becomes a member of the "
                      "registrants it creates. Registrars are created with `registry user create`.")
    async def sign_up(self, request: Request[Any, Any, Any], db_session: DbSession,
                      data: JSONBody[SignUp]) -> AccountOut:
        actor = Actor(request)
        user = await service.create_user(db_session, data.email, data.password, "registrant",
                                         actor=actor.principal or "self", ip=actor.ip)
        return AccountOut(id=user.id, email=user.email, role=user.role)

    @get("/me", operation_id="getMyAccount", opt=access(AUTHENTICATED),
         summary="The signed-in account and the registrants it belongs to")
    async def me(self, request: Request[Any, Any, Any], db_session: DbSession) -> AccountOut:
        principal = caller(request)
        regs = await service.memberships(db_session, principal.user_id)
        return AccountOut(id=principal.user_id, email=principal.email, role=principal.role,
                          registrants=[MembershipOut(registrant_id=r.id, name=r.name,
                                                     status=r.status,
                                                     registration_number=r.registration_number)
                                       for r in regs])

    @get("/me/invitations", operation_id="listMyInvitations", opt=access(AUTHENTICATED),
         summary="Registrants that invited the caller's e-mail to become a member")
    async def invitations(self, request: Request[Any, Any, Any],
                          db_session: DbSession) -> list[InvitationToMe]:
        rows = await invitations_for(db_session, caller(request).email)
        return [InvitationToMe(registrant_id=rid, name=name) for rid, name in rows]

    @post("/me/password", operation_id="changePassword", opt=access(AUTHENTICATED),
          status_code=200, summary="Change the caller's password; returns a new token",
          description="Needs the current password and a password sign-in (not an API key). "
                      "Every access token issued before the change stops working, on every "
                      "device; API keys are kept (revoke them apart). Wrong current passwords "
                      "count towards the sign-in throttle.")
    async def change_password(self, request: Request[Any, Any, Any], db_session: DbSession,
                              data: JSONBody[PasswordChange]) -> TokenOut:
        user = await service.change_password(db_session, caller(request),
                                             data.current_password, data.new_password,
                                             Actor(request).ip)
        assert user.password_changed_at is not None
        return _token(request, user.id, at=user.password_changed_at.timestamp())

    @get("/me/api-keys", operation_id="listApiKeys", opt=access(AUTHENTICATED),
         summary="The caller's API keys (never their secrets)")
    async def list_keys(self, request: Request[Any, Any, Any],
                        db_session: DbSession) -> list[ApiKeyOut]:
        keys = await service.list_api_keys(db_session, caller(request).user_id)
        return [_key_out(k) for k in keys]

    @post("/me/api-keys", operation_id="createApiKey", opt=access(AUTHENTICATED),
          summary="Create an API key; the key is shown once",
          description="Scopes: `read` (GET only) and `write`. Needs a password sign-in.")
    async def create_key(self, request: Request[Any, Any, Any], db_session: DbSession,
                         data: JSONBody[ApiKeyIn]) -> ApiKeyCreated:
        actor = Actor(request)
        key, full = await service.create_api_key(db_session, caller(request), data.name,
                                                 data.scopes, actor.ip)
        return ApiKeyCreated(id=key.id, name=key.name, prefix=key.prefix,
                             scopes=list(key.scopes), created_at=key.created_at, key=full)

    @delete("/me/api-keys/{key_id:int}", operation_id="revokeApiKey", opt=access(AUTHENTICATED),
            summary="Revoke one of the caller's API keys")
    async def revoke_key(self, request: Request[Any, Any, Any], db_session: DbSession,
                         key_id: FromPath[int]) -> None:
        await service.revoke_api_key(db_session, caller(request), key_id, Actor(request).ip)


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]

    @post("/token", operation_id="createToken", opt=access(PUBLIC), status_code=200,
          summary="Exchange e-mail and password for a bearer token",
          description="Repeated failures are throttled per e-mail and per client address "
                      "(429 with Retry-After).")
    async def token(self, request: Request[Any, Any, Any], db_session: DbSession,
                    data: JSONBody[Credentials]) -> TokenOut:
        user = await service.check_login(db_session, data.email, data.password,
                                         Actor(request).ip)
        return _token(request, user.id)


class AuditController(Controller):
    path = "/audit"
    tags = ["accounts"]

    @get("/", operation_id="listAuditLog", opt=access(ADMIN),
         summary="The audit log, newest first")
    async def list_audit(
        self, db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        object_type: FromQuery[str | None] = None,
        object_id: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
    ) -> Page[AuditOut]:
        check_limit(limit)
        after = decode_cursor(cursor)
        query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit + 1)
        if after:
            query = query.where(AuditLog.id < int(after[0]))
        if object_type:
            query = query.where(AuditLog.object_type == object_type)
        if object_id:
            query = query.where(AuditLog.object_id == object_id)
        if action:
            query = query.where(AuditLog.action == action)
        rows = (await db_session.scalars(query)).all()
        items = [AuditOut(id=r.id, at=r.at, actor=r.actor, actor_id=r.actor_id, action=r.action,
                          object_type=r.object_type, object_id=r.object_id, details=r.details,
                          ip=r.ip) for r in rows[:limit]]
        return Page(items=items, next=encode_cursor([rows[limit - 1].id])
                    if len(rows) > limit else None)
