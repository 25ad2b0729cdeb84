"""Procurement: one contracting process per OCDS ``ocid``, compiled from its releases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at, flag, json_object, pk, updated_at


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("dataset", "ocid"),
        Index(None, "updated_at", "id"),
        # Migration 0003: listing newest first, and substring search on title + description.
        Index("ix_contracts_listing", text("(COALESCE(date, '-infinity'::timestamptz)) DESC"),
              "id"),
        Index("ix_contracts_text_trgm",
              text("(COALESCE(title, '') || ' ' || COALESCE(description, '')) gin_trgm_ops"),
              postgresql_using="gin"),
    )
    id: Mapped[int] = pk()
    # Provenance without foreign keys (migration 0012, as 0007 for entities): the dataset
    # and the run exist before the first row and nothing deletes them.
    dataset: Mapped[str] = mapped_column(Text)
    ocid: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)  # tender status
    # -> entities.id, ON DELETE SET NULL: kept by statement-level triggers (migration 0012),
    # as are the references of the tables below.
    buyer_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric)
    value_currency: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.datetime | None]  # latest release date
    compiled: Mapped[dict[str, Any]] = json_object()  # the compiled release
    release_count: Mapped[int] = mapped_column(default=0, server_default="0")
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()

    parties: Mapped[list[ContractParty]] = relationship(
        primaryjoin="Contract.id == foreign(ContractParty.contract_id)",
        cascade="all, delete-orphan", lazy="selectin", order_by="ContractParty.id")
    awards: Mapped[list[Award]] = relationship(
        primaryjoin="Contract.id == foreign(Award.contract_id)",
        cascade="all, delete-orphan", lazy="selectin", order_by="Award.id")
    agreements: Mapped[list[ContractAgreement]] = relationship(
        primaryjoin="Contract.id == foreign(ContractAgreement.contract_id)",
        cascade="all, delete-orphan", lazy="selectin", order_by="ContractAgreement.id")


class ContractParty(Base):
    __tablename__ = "contract_parties"
    __table_args__ = (Index(None, "entity_id", "role"),)
    id: Mapped[int] = pk()
    contract_id: Mapped[int] = mapped_column(BigInteger, index=True)  # -> contracts.id, CASCADE
    entity_id: Mapped[int] = mapped_column(BigInteger)  # -> entities.id, CASCADE
    party_id: Mapped[str] = mapped_column(Text)  # the OCDS party id within the process
    role: Mapped[str] = mapped_column(Text)  # buyer, procuringEntity, tenderer, supplier, ...


class Award(Base):
    __tablename__ = "awards"
    id: Mapped[int] = pk()
    contract_id: Mapped[int] = mapped_column(BigInteger, index=True)  # -> contracts.id, CASCADE
    award_id: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.datetime | None] = mapped_column(index=True)
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric)
    value_currency: Mapped[str | None] = mapped_column(Text)
    suppliers: Mapped[list[AwardSupplier]] = relationship(
        primaryjoin="Award.id == foreign(AwardSupplier.award_id)",
        cascade="all, delete-orphan", lazy="selectin", order_by="AwardSupplier.id")


class AwardSupplier(Base):
    __tablename__ = "award_suppliers"
    id: Mapped[int] = pk()
    award_id: Mapped[int] = mapped_column(BigInteger, index=True)  # -> awards.id, CASCADE
    entity_id: Mapped[int] = mapped_column(BigInteger, index=True)  # -> entities.id, CASCADE


class ContractAgreement(Base):
    """An OCDS ``contracts[]`` entry: the signed contract that follows an award."""

    __tablename__ = "contract_agreements"
    id: Mapped[int] = pk()
    contract_id: Mapped[int] = mapped_column(BigInteger, index=True)  # -> contracts.id, CASCADE
    agreement_id: Mapped[str] = mapped_column(Text)
    award_id: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    date_signed: Mapped[dt.datetime | None]
    period_start: Mapped[dt.datetime | None]
    period_end: Mapped[dt.datetime | None]
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric)
    value_currency: Mapped[str | None] = mapped_column(Text)


class ContractPending(Base):
    """A contracting process with releases stored but not yet compiled (migration 0003).

    The OCDS importer stages releases first and compiles each touched process once at the
    end of the run; a row here survives a crash, so the next run compiles what is left.
    """

    __tablename__ = "contracts_pending"
    dataset: Mapped[str] = mapped_column(ForeignKey("datasets.name", ondelete="CASCADE"),
                                         primary_key=True)
    ocid: Mapped[str] = mapped_column(Text, primary_key=True)
    # The releases stored since the last compile (merged into the compiled release when
    # they all come after it).
    new_keys: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                                server_default=text("'{}'"))
    # A stored release changed: compile again from every release.
    recompile: Mapped[bool] = flag()
    created_at: Mapped[dt.datetime] = created_at()
