"""``/api/v1/donations`` and ``/api/v1/entities/{entity_id}/donations``: public reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from registry.api.access import PUBLIC, access
from registry.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    check_limit,
    decode_dated_cursor,
    encode_cursor,
)
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.entities.service import get_entity

from .schemas import DonationOut, EntityDonationsOut, donation_out
from .service import DonationFilter, entities_of, list_donations
from .views import entity_donations_out

INCLUDES = {"owned", "owners"}


def _after(cursor: str | None) -> tuple[dt.date | None, int] | None:
    return decode_dated_cursor(cursor, dt.date.fromisoformat)


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        out = Decimal(value.strip())
    except InvalidOperation as exc:
        raise Problem(400, f"{name} must be a number.", field=name) from exc
    if not out.is_finite():
        raise Problem(400, f"{name} must be a number.", field=name)
    return out


class DonationController(Controller):
    path = "/donations"
    tags = ["donations"]

    @get("/", operation_id="listDonations", opt=access(PUBLIC),
         summary="Donations to political parties, newest first",
         description="Filters combine. `donor_id`/`recipient_id` are entity ids (the records "
                     "themselves; an entity's linked records: `/entities/{id}/donations`).")
    async def list_donations(
        self, db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        donor_id: FromQuery[int | None] = None,
        recipient_id: FromQuery[int | None] = None,
        q: Annotated[str | None, QueryParameter(
            description="part of the donor's or the recipient's name")] = None,
        date_from: FromQuery[dt.date | None] = None,
        date_to: FromQuery[dt.date | None] = None,
        value_min: Annotated[str | None, QueryParameter(
            description="smallest value, in the donation's currency")] = None,
    ) -> Page[DonationOut]:
        check_limit(limit)
        if date_from and date_to and date_from > date_to:
            raise Problem(400, "date_from is after date_to.", field="date_from")
        flt = DonationFilter(donor_id=donor_id, recipient_id=recipient_id,
                             q=q.strip() if q and q.strip() else None, date_from=date_from,
                             date_to=date_to, value_min=_decimal(value_min, "value_min"))
        rows = await list_donations(db_session, flt, limit=limit + 1, after=_after(cursor))
        page = rows[:limit]
        entities = await entities_of(db_session, page)
        nxt = None
        if len(rows) > limit:
            last = page[-1]
            nxt = encode_cursor([last.date.isoformat() if last.date else None, last.id])
        return Page(items=[donation_out(d, entities) for d in page], next=nxt)


class EntityDonationController(Controller):
    path = "/entities/{entity_id:int}/donations"
    tags = ["donations"]

    @get("/", operation_id="getEntityDonations", opt=access(PUBLIC),
         summary="Donations made and received by an entity and its linked records",
         description="`include=owned,owners` adds the donations made by the companies it "
                     "owns and by its owners (today), each with the ownership chain; every "
                     "link crossed comes with its evidence.")
    async def entity_donations(
        self, db_session: DbSession, entity_id: FromPath[int],
        include: Annotated[str | None, QueryParameter(
            description="comma-separated: owned, owners")] = None,
    ) -> EntityDonationsOut:
        wanted = {x.strip() for x in (include or "").split(",") if x.strip()}
        unknown = wanted - INCLUDES
        if unknown:
            raise Problem(400, f"Unknown include {sorted(unknown)[0]!r}: use owned, owners.",
                          field="include")
        if await get_entity(db_session, entity_id) is None:
            raise Problem(404, f"No entity with id {entity_id}.", field="entity_id")
        return await entity_donations_out(db_session, entity_id, wanted,
                                          dt.datetime.now(dt.UTC).date())
