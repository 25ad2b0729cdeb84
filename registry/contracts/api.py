"""``/api/v1/contracts``: public reads of procurement contracts (OCDS contracting processes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import PUBLIC, access
from registry.api.dates import check_day
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
from registry.models import Contract
from registry.settings import Settings

from . import service
from .behind import BehindOut, behind
from .schemas import (
    ContractDetail,
    ContractSummary,
    contract_detail,
    contract_summary,
    entity_ids,
)


def _day_start(value: dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def _after(cursor: str | None) -> tuple[dt.datetime | None, int] | None:
    return decode_dated_cursor(cursor, dt.datetime.fromisoformat)


def _decimal(value: float | None) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


async def _one(session: AsyncSession, ocid: str, dataset: str | None, *,
               awards_only: bool = False) -> Contract:
    found = await service.find_contracts(session, ocid, dataset, awards_only=awards_only)
    if not found:
        raise Problem(404, f"No contract with ocid {ocid!r}.", field="ocid")
    if len(found) > 1:
        names = sorted(c.dataset for c in found)
        raise Problem(409, f"The ocid {ocid!r} is in several datasets ({', '.join(names)}); "
                      "choose one with dataset=.", field="dataset", datasets=names)
    return found[0]


class ContractController(Controller):
    path = "/contracts"
    tags = ["contracts"]

    @get("/", operation_id="listContracts", opt=access(PUBLIC),
         summary="List procurement contracts",
         description=(
             "Newest first (latest release date), keyset-paginated: follow `next`. Filters: "
             "`buyer` and `supplier` (entity ids), `date_from`/`date_to` (inclusive days, on "
             "the latest release date), `value_min`/`value_max` (the contract value), `q` "
             "(text in title or description), `dataset`."))
    async def list_contracts(
        self, db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        buyer: FromQuery[int | None] = None,
        supplier: FromQuery[int | None] = None,
        date_from: FromQuery[dt.date | None] = None,
        date_to: FromQuery[dt.date | None] = None,
        value_min: FromQuery[float | None] = None,
        value_max: FromQuery[float | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        dataset: FromQuery[str | None] = None,
    ) -> Page[ContractSummary]:
        check_limit(limit)
        check_day(date_from, "date_from")
        check_day(date_to, "date_to")
        if date_from and date_to and date_from > date_to:
            raise Problem(400, "date_from is after date_to.", field="date_from")
        if value_min is not None and value_max is not None and value_min > value_max:
            raise Problem(400, "value_min is greater than value_max.", field="value_min")
        flt = service.ContractFilter(
            buyer=buyer, supplier=supplier,
            date_from=_day_start(date_from) if date_from else None,
            date_to=_day_start(date_to) + dt.timedelta(days=1) if date_to else None,
            value_min=_decimal(value_min), value_max=_decimal(value_max),
            q=q.strip() if q and q.strip() else None, dataset=dataset)
        rows = await service.list_contracts(db_session, flt, limit=limit + 1,
                                            after=_after(cursor))
        page = rows[:limit]
        ids: set[int] = set()
        for c in page:
            ids |= entity_ids(c)
        entities = await service.load_entities(db_session, ids)
        nxt = None
        if len(rows) > limit:
            last = page[-1]
            nxt = encode_cursor([last.date.isoformat() if last.date else None, last.id])
        return Page(items=[contract_summary(c, entities) for c in page], next=nxt)

    @get("/{ocid:str}", operation_id="getContract", opt=access(PUBLIC),
         summary="One contracting process by OCID, with parties, awards and contracts",
         description="`dataset` chooses when the same ocid was imported from several datasets.")
    async def get_contract(self, db_session: DbSession, ocid: FromPath[str],
                           dataset: FromQuery[str | None] = None) -> ContractDetail:
        contract = await _one(db_session, ocid, dataset)
        entities = await service.load_entities(db_session, entity_ids(contract))
        return contract_detail(contract, entities)


    @get("/{ocid:str}/behind", operation_id="getContractBehind", opt=access(PUBLIC),
         summary="Who is behind this contract: linked companies, owners, lobbying, meetings, "
                 "donations",
         description=(
             "For each award and supplier: the companies it is linked to (auto and confirmed "
             "links, each hop with its evidence), their owners on the award date through "
             "ownership chains, the published registrants, clients and lobbyists linked to "
             "those companies or owners, and their meetings with the buyer (or an institution "
             "linked to it) in the year up to the award date, each with why it is listed; "
             "donations to parties made in the years before the award "
             "(`REGISTRY_DONATIONS_YEARS`) by the supplier, its linked companies or their "
             "owners, with every link and ownership hop. "
             "`dataset` chooses when the same ocid was imported from several datasets."))
    async def get_contract_behind(self, request: Request[Any, Any, Any], db_session: DbSession,
                                  ocid: FromPath[str],
                                  dataset: FromQuery[str | None] = None) -> BehindOut:
        settings: Settings = request.app.state.settings
        return await behind(db_session, await _one(db_session, ocid, dataset, awards_only=True),
                            donation_years=settings.donations_years)
