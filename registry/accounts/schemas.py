"""Public shapes of accounts, tokens and API keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

# Bounded before anything is hashed or matched (a megabyte password is no password).
Email = Annotated[str, msgspec.Meta(max_length=320)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]


class SignUp(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class InvitationToMe(msgspec.Struct):
    registrant_id: int
    name: str


class MembershipOut(msgspec.Struct):
    registrant_id: int
    name: str
    status: str
    registration_number: str | None = None


class AccountOut(msgspec.Struct):
    id: int
    email: str
    role: str
    registrants: list[MembershipOut] = []


class ApiKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    scopes: list[str] = msgspec.field(default_factory=lambda: ["read"])


class ApiKeyOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(msgspec.Struct):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    key: str  # shown once; only its hash is stored


class AuditOut(msgspec.Struct):
    id: int
    at: dt.datetime
    actor: str
    actor_id: int | None
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, object]
    ip: str | None = None
