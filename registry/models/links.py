"""Links: two entities that are (probably) the same real-world party, with the evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, json_object, pk, updated_at

LINK_STATUSES = ("auto", "candidate", "confirmed", "rejected")


class Link(Base):
    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("left_id", "right_id"),
        CheckConstraint("left_id < right_id", name="ordered"),
        CheckConstraint("status IN ('auto', 'candidate', 'confirmed', 'rejected')",
                        name="status"),
        Index(None, "right_id"),
        Index(None, "status", "score"),
    )
    id: Mapped[int] = pk()
    left_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    right_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)  # identifier, name, human
    evidence: Mapped[dict[str, Any]] = json_object()
    matcher_version: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
