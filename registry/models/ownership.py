"""Ownership and control: relationships between entities, with their interests.

A relationship row is one *version* of a relationship record: a newer statement closes the
previous row (``valid_to``) and adds a new one, so ownership "as of" a date reads the rows
valid then. Indirect, effective ownership is computed over chains, never stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at, flag, json_list, json_object, pk


class Relationship(Base):
    __tablename__ = "relationships"
    __table_args__ = (
        Index("uq_relationships_current", "dataset", "source_key", unique=True,
              postgresql_where=text("is_current")),
        Index(None, "subject_id", "valid_from"),
        Index(None, "interested_party_id", "valid_from"),
        Index("ix_relationships_dataset_source_key", "dataset", "source_key", "valid_from"),
        Index("ix_relationships_dangling_subject", "dataset", "subject_key",
              postgresql_where=text("subject_id IS NULL AND subject_key IS NOT NULL")),
        Index("ix_relationships_dangling_party", "dataset", "interested_party_key",
              postgresql_where=text(
                  "interested_party_id IS NULL AND interested_party_key IS NOT NULL")),
    )
    id: Mapped[int] = pk()
    # Provenance columns without foreign keys (migration 0007): see RecordVersion.
    dataset: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(Text)  # BODS recordId; PSC "{company}/{psc id}"
    # NULL while the subject's record is not imported yet (see subject_key), or when the
    # source says the subject cannot be specified (subject_unspecified).
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"))
    interested_party_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"))
    # The parties' source keys (BODS recordIds), kept so that a statement may name a record
    # imported later; the ids are filled in when it arrives.
    subject_key: Mapped[str | None] = mapped_column(Text)
    interested_party_key: Mapped[str | None] = mapped_column(Text)
    subject_unspecified: Mapped[dict[str, Any] | None]
    # When the interested party is not disclosed: BODS unspecifiedRecord {reason, description}.
    interested_unspecified: Mapped[dict[str, Any] | None]
    component_keys: Mapped[list[Any]] = json_list()  # BODS componentRecords
    is_component: Mapped[bool] = flag()
    statement_id: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.datetime | None]
    valid_to: Mapped[dt.datetime | None]
    is_current: Mapped[bool] = flag(True)
    is_closed: Mapped[bool] = flag()
    data: Mapped[dict[str, Any]] = json_object()
    retrieved_at: Mapped[dt.datetime | None]
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_at()

    interests: Mapped[list[Interest]] = relationship(
        back_populates="relationship", cascade="all, delete-orphan", lazy="selectin",
        order_by="Interest.id")


class Interest(Base):
    __tablename__ = "interests"
    id: Mapped[int] = pk()
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(Text)  # BODS interestType codelist
    direct_or_indirect: Mapped[str | None] = mapped_column(Text)  # direct|indirect|unknown
    beneficial_ownership_or_control: Mapped[bool | None] = mapped_column(Boolean)
    share_exact: Mapped[Decimal | None] = mapped_column(Numeric)
    share_min: Mapped[Decimal | None] = mapped_column(Numeric)
    share_max: Mapped[Decimal | None] = mapped_column(Numeric)
    share_exclusive_min: Mapped[bool] = flag()
    share_exclusive_max: Mapped[bool] = flag()
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[str | None] = mapped_column(Text)
    relationship: Mapped[Relationship] = relationship(back_populates="interests")
