"""Entities: one party (company, person, public body) as one source describes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at, flag, json_list, json_object, pk, text_default, updated_at

ENTITY_KINDS = ("company", "person", "public_body")


class Entity(Base):
    __tablename__ = "entities"
    __table_args__ = (
        UniqueConstraint("dataset", "source_key"),
        CheckConstraint("kind IN ('company', 'person', 'public_body')", name="kind"),
        Index(None, "updated_at", "id"),
        # The candidate filter reads these from the index alone (migration 0017).
        Index("ix_entities_candidate_filter", "id",
              postgresql_include=["kind", "country", "dataset"]),
    )
    id: Mapped[int] = pk()
    # Provenance columns without foreign keys (migration 0007): see RecordVersion.
    dataset: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)  # ISO 3166-1 alpha-2, upper case
    jurisdiction: Mapped[str | None] = mapped_column(Text)
    legal_form: Mapped[str | None] = mapped_column(Text)
    founding_date: Mapped[str | None] = mapped_column(Text)  # ISO date, may be partial
    dissolution_date: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[str | None] = mapped_column(Text)  # published precision only (YYYY-MM)
    nationalities: Mapped[list[Any]] = json_list()
    addresses: Mapped[list[Any]] = json_list()
    # Public source attributes not modelled as columns (BODS details, OCDS contact point...).
    data: Mapped[dict[str, Any]] = json_object()
    # What a source marks restricted (residential address, full date of birth). Kept for
    # matching and lawful requests; never serialised by the API or any export.
    restricted: Mapped[dict[str, Any]] = json_object()
    statement_id: Mapped[str | None] = mapped_column(Text)  # latest source version id
    valid_from: Mapped[dt.datetime | None]
    is_closed: Mapped[bool] = flag()
    retrieved_at: Mapped[dt.datetime | None]
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()

    names: Mapped[list[EntityName]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", lazy="selectin",
        order_by="EntityName.id")
    identifiers: Mapped[list[EntityIdentifier]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", lazy="selectin",
        order_by="EntityIdentifier.id")


class EntityName(Base):
    __tablename__ = "entity_names"
    __table_args__ = (
        Index("ix_entity_names_normalized_trgm", "normalized",
              postgresql_using="gin", postgresql_ops={"normalized": "gin_trgm_ops"}),
    )
    id: Mapped[int] = pk()
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = text_default("legal")  # legal, alternative, former, ...
    lang: Mapped[str | None] = mapped_column(Text)
    normalized: Mapped[str] = text_default()  # search/normalize.py
    # The days the name was in force, when the source says (previous names of a company,
    # migration 0025); NULL: not known, in force at any date.
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    entity: Mapped[Entity] = relationship(back_populates="names")


class EntityIdentifier(Base):
    __tablename__ = "entity_identifiers"
    __table_args__ = (
        Index(None, "scheme", "normalized"),
        Index(None, "normalized"),
        # Identifier search in any formatting (migration 0004, search/idkey.py).
        Index("ix_entity_identifiers_search_key", text("search_identifier_key(scheme, value)")),
    )
    id: Mapped[int] = pk()
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"),
                                           index=True)
    scheme: Mapped[str] = mapped_column(Text)  # org-id.guide code: GB-COH, UA-EDR, XI-LEI
    value: Mapped[str] = mapped_column(Text)  # as published
    normalized: Mapped[str] = mapped_column(Text)  # per-scheme canonical form
    scheme_name: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    entity: Mapped[Entity] = relationship(back_populates="identifiers")
