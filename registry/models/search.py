"""The search outbox: entity ids whose index documents must be (re)written or removed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, pk


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    id: Mapped[int] = pk()
    # No foreign key: a deleted entity's id must still reach the index, to remove it.
    entity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    enqueued_at: Mapped[dt.datetime] = created_at()
