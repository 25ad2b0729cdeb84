"""The lobbying register: registrants and their versions, lobbyists, clients, returns, meetings.

An entry's content lives in immutable ``registrant_versions``; the published view is the latest
approved version. ``lobbyists`` and ``clients`` mirror the published version as rows (each with
its Entity), so that search and linking can reach them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at, flag, json_object, pk, text_default, updated_at

REGISTRANT_STATUSES = ("draft", "submitted", "active", "rejected", "suspended", "deregistered")


class Registrant(Base):
    __tablename__ = "registrants"
    id: Mapped[int] = pk()
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True)
    registration_number: Mapped[str | None] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)  # of the latest version, for listing drafts
    category: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="draft", server_default="draft",
                                        index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]
    registered_at: Mapped[dt.datetime | None]  # first approval: returns are owed from then
    current_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class RegistrantVersion(Base):
    __tablename__ = "registrant_versions"
    __table_args__ = (UniqueConstraint("registrant_id", "version"),)
    id: Mapped[int] = pk()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = json_object()
    status: Mapped[str] = text_default("draft")  # draft|submitted|approved|rejected
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = created_at()
    submitted_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class Lobbyist(Base):
    __tablename__ = "lobbyists"
    id: Mapped[int] = pk()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    former_public_office: Mapped[str | None] = mapped_column(Text)
    former_office_end: Mapped[dt.date | None] = mapped_column(Date)


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[int] = pk()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(Text)
    income_band: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = json_object()


class Return(Base):
    """A periodic return (activity report) that a registrant owes for one period."""

    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("registrant_id", "period_start"),)
    id: Mapped[int] = pk()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = text_default("due")  # due|draft|filed
    filed_at: Mapped[dt.datetime | None]
    data: Mapped[dict[str, Any]] = json_object()
    # The members' unfinished version, beside the filed one (migration 0020).
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    draft_saved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("dataset", "source_key"),
        Index(None, "date"),
    )
    id: Mapped[int] = pk()
    dataset: Mapped[str] = mapped_column(ForeignKey("datasets.name"))
    source_key: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    subject: Mapped[str] = text_default()
    legislation: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True)
    registrant_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), index=True)
    registrant_name: Mapped[str | None] = mapped_column(Text)  # as a diary wrote it
    declared_by_registrant: Mapped[bool] = flag()
    declared_by_official: Mapped[bool] = flag()
    # A meeting declared by both sides is reconciled into one; this points at the kept one.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    import_run_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("import_runs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()

    officials: Mapped[list[MeetingOfficial]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MeetingOfficial.id")
    clients: Mapped[list[MeetingClient]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MeetingClient.id")


class MeetingOfficial(Base):
    __tablename__ = "meeting_officials"
    id: Mapped[int] = pk()
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    role: Mapped[str | None] = mapped_column(Text)
    institution: Mapped[str | None] = mapped_column(Text)


class MeetingClient(Base):
    __tablename__ = "meeting_clients"
    id: Mapped[int] = pk()
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(Text)
