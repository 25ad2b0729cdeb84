"""Public shapes of donations. ORM rows never leave the service layer; these do."""

from __future__ import annotations

import msgspec

from registry.links.schemas import LinkHopOut
from registry.models import Donation, Entity
from registry.ownership.schemas import EntityRef, HopOut, entity_ref


class DonationOut(msgspec.Struct, omit_defaults=True):
    id: int
    dataset: str
    reference: str  # the source's own reference (the Electoral Commission's ECRef)
    donor_name: str  # as the source wrote it
    recipient_name: str
    donor: EntityRef | None = None
    donor_type: str | None = None
    recipient: EntityRef | None = None
    recipient_type: str | None = None
    accounting_unit: str | None = None  # the party's unit that received it
    value: float | None = None
    currency: str | None = None
    date: str | None = None  # accepted, else received, else reported
    accepted_date: str | None = None
    received_date: str | None = None
    reported_date: str | None = None
    type: str | None = None  # cash | non_cash | visit | loan | other
    nature: str | None = None
    status: str | None = None  # accepted | returned | forfeited | other
    reporting_period: str | None = None


class EntityDonationOut(msgspec.Struct):
    """A donation that concerns an entity, and how: ``relation`` is ``self`` (the entity
    itself), ``linked`` (the same party in another record: ``link_hops``), ``owned`` (a
    company it owns) or ``owner`` (one of its owners): ``chain`` is the ownership path."""

    donation: DonationOut
    role: str  # donor | recipient: what ``via`` is to the donation
    relation: str
    via: EntityRef  # the record that gave or received
    link_hops: list[LinkHopOut]
    chain: list[HopOut]


class EntityDonationsOut(msgspec.Struct):
    items: list[EntityDonationOut]
    truncated: bool  # a bound was reached: there may be more


def donation_out(d: Donation, entities: dict[int, Entity]) -> DonationOut:
    donor = entities.get(d.donor_id) if d.donor_id is not None else None
    recipient = entities.get(d.recipient_id) if d.recipient_id is not None else None
    return DonationOut(
        id=d.id, dataset=d.dataset, reference=d.source_ref, donor_name=d.donor_name,
        recipient_name=d.recipient_name,
        donor=entity_ref(donor) if donor is not None else None, donor_type=d.donor_type,
        recipient=entity_ref(recipient) if recipient is not None else None,
        recipient_type=d.recipient_type, accounting_unit=d.accounting_unit,
        value=float(d.value) if d.value is not None else None, currency=d.currency,
        date=d.date.isoformat() if d.date else None,
        accepted_date=d.accepted_date.isoformat() if d.accepted_date else None,
        received_date=d.received_date.isoformat() if d.received_date else None,
        reported_date=d.reported_date.isoformat() if d.reported_date else None,
        type=d.type, nature=d.nature, status=d.status, reporting_period=d.reporting_period)
