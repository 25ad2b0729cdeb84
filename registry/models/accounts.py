"""Accounts: users, API keys, registrant membership, login throttling, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, flag, json_object, pk, text_default

ROLES = ("registrant", "registrar", "admin")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", text("lower(email)"), unique=True),)
    id: Mapped[int] = pk()
    email: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id
    role: Mapped[str] = text_default("registrant")
    is_active: Mapped[bool] = flag(True)
    created_at: Mapped[dt.datetime] = created_at()
    # Access tokens issued before it are refused (migration 0019).
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RegistrantMember(Base):
    __tablename__ = "registrant_members"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = created_at()


class RegistrantInvitation(Base):
    """A member's invitation to another account (migration 0026): it becomes a member only
    by accepting, so nobody is added to an entry, or learns who has an account, unasked."""

    __tablename__ = "registrant_invitations"
    __table_args__ = (UniqueConstraint("registrant_id", "email",
                                       name="uq_registrant_invitations_registrant_email"),)
    id: Mapped[int] = pk()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(Text, index=True)  # lower case
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = created_at()


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = text_default()
    prefix: Mapped[str] = mapped_column(Text, unique=True)  # shown to the user to tell keys apart
    key_hash: Mapped[str] = mapped_column(Text)  # sha256 of the secret part
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    created_at: Mapped[dt.datetime] = created_at()
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """Failed sign-ins and all sign-up attempts, for throttling by client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "email", "at"), Index(None, "ip", "at"))
    id: Mapped[int] = pk()
    email: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = text_default("sign-in")  # sign-in | sign-up (migration 0026)
    at: Mapped[dt.datetime] = created_at()


class AuditLog(Base):
    """Append-only: one row per write, by whom, to what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "object_type", "object_id"),)
    id: Mapped[int] = pk()
    at: Mapped[dt.datetime] = created_at()
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # no FK: survives user deletion
    actor: Mapped[str] = text_default("system")  # email, "cli", "import:<run>"
    action: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(Text)
    object_id: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = json_object()
    ip: Mapped[str | None] = mapped_column(Text)
