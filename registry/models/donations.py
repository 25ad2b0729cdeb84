"""Political finance: donations to parties (DESIGN §2).

A donation is a record of a dataset (the UK Electoral Commission's register, Georgia's State
Audit Office, ...) keyed by the source's own reference. It goes from a donor entity (person,
company, trade union, association...) to a recipient entity: a party (an organisation entity
marked ``data.political_party``) or, for regulated donees, a person. A party's accounting
units are not entities of their own: the donation names the unit and points at its party.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Numeric, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, json_object, pk, updated_at

DONATION_TYPES = ("cash", "non_cash", "visit", "loan", "other")
DONATION_STATUSES = ("accepted", "returned", "forfeited", "other")


class Donation(Base):
    __tablename__ = "donations"
    __table_args__ = (
        UniqueConstraint("dataset", "source_ref"),
        Index(None, "donor_id", "date"),
        Index(None, "recipient_id", "date"),
        Index("ix_donations_listing", text("date DESC NULLS LAST"), text("id DESC")),
    )
    id: Mapped[int] = pk()
    dataset: Mapped[str] = mapped_column(ForeignKey("datasets.name"))
    source_ref: Mapped[str] = mapped_column(Text)  # the source's reference (ECRef)
    donor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entities.id", ondelete="SET NULL"))
    donor_name: Mapped[str] = mapped_column(Text)  # as the source wrote it
    donor_type: Mapped[str | None] = mapped_column(Text)  # Individual, Company, Trade Union...
    recipient_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entities.id", ondelete="SET NULL"))
    recipient_name: Mapped[str] = mapped_column(Text)
    recipient_type: Mapped[str | None] = mapped_column(Text)  # Political Party, ...
    accounting_unit: Mapped[str | None] = mapped_column(Text)  # the party's unit, if any
    value: Mapped[Decimal | None] = mapped_column(Numeric)
    currency: Mapped[str | None] = mapped_column(Text)
    # The day it counts from: accepted, else received, else reported.
    date: Mapped[dt.date | None] = mapped_column(Date)
    accepted_date: Mapped[dt.date | None] = mapped_column(Date)
    received_date: Mapped[dt.date | None] = mapped_column(Date)
    reported_date: Mapped[dt.date | None] = mapped_column(Date)
    type: Mapped[str | None] = mapped_column(Text)  # cash | non_cash | visit | loan | other
    nature: Mapped[str | None] = mapped_column(Text)  # nature of a non-cash gift, visit purpose
    status: Mapped[str | None] = mapped_column(Text)  # accepted | returned | forfeited | other
    reporting_period: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = json_object()  # the source's other published columns
    content_hash: Mapped[str] = mapped_column(Text)  # re-importing the same row changes nothing
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
