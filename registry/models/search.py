"""The search outbox: entity ids whose index documents must be (re)written or removed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, pk


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    id: Mapped[int] = pk()
    # No foreign key: a deleted entity's id must still reach the index, to remove it.
    entity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    enqueued_at: Mapped[dt.datetime] = created_at()


class EntityNameKey(Base):
    """Blocking keys of one ``entity_names`` row (migration 0010, search/blocking.py): written
    by triggers only, in the same transaction as the name."""

    __tablename__ = "entity_name_keys"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    # No foreign keys: the triggers delete the keys with the name.
    name_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger)
