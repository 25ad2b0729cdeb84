"""Reading contracts. Stateless functions; the session is the first argument."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload

from registry.models import Award, Contract, ContractParty, Entity


def _sort_date() -> ColumnElement[dt.datetime]:
    # The listing's sort key; the same expression as the index ix_contracts_listing.
    return func.coalesce(Contract.date, literal("-infinity").cast(Contract.date.type))


def _text() -> ColumnElement[str]:
    # The same expression as the trigram index ix_contracts_text_trgm.
    return (func.coalesce(Contract.title, "") + " " + func.coalesce(Contract.description, ""))


@dataclass(frozen=True, slots=True)
class ContractFilter:
    buyer: int | None = None
    supplier: int | None = None
    date_from: dt.datetime | None = None  # inclusive
    date_to: dt.datetime | None = None  # exclusive
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    q: str | None = None
    dataset: str | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_contracts(session: AsyncSession, flt: ContractFilter, *, limit: int,
                         after: tuple[dt.datetime | None, int] | None = None
                         ) -> Sequence[Contract]:
    """Newest first (latest release date, undated last), then by id."""
    sort_date = _sort_date()
    query = select(Contract).order_by(sort_date.desc(), Contract.id).limit(limit)
    if after is not None:
        after_date = after[0]
        if after_date is None:  # past the dated ones: only undated, by id
            query = query.where(Contract.date.is_(None), Contract.id > after[1])
        else:
            query = query.where(or_(sort_date < after_date,
                                    and_(sort_date == after_date, Contract.id > after[1])))
    if flt.buyer is not None:
        query = query.where(Contract.buyer_id == flt.buyer)
    if flt.supplier is not None:
        query = query.where(exists().where(
            ContractParty.contract_id == Contract.id, ContractParty.entity_id == flt.supplier,
            ContractParty.role == "supplier"))
    if flt.date_from is not None:
        query = query.where(Contract.date >= flt.date_from)
    if flt.date_to is not None:
        query = query.where(Contract.date < flt.date_to)
    if flt.value_min is not None:
        query = query.where(Contract.value_amount >= flt.value_min)
    if flt.value_max is not None:
        query = query.where(Contract.value_amount <= flt.value_max)
    if flt.q:
        query = query.where(_text().ilike(f"%{_escape_like(flt.q)}%", escape="\\"))
    if flt.dataset:
        query = query.where(Contract.dataset == flt.dataset)
    return (await session.scalars(query)).all()


async def find_contracts(session: AsyncSession, ocid: str, dataset: str | None = None, *,
                         awards_only: bool = False) -> Sequence[Contract]:
    """``awards_only``: with the awards and their suppliers in the same statement, and
    neither parties nor agreements (what ``/behind`` reads)."""
    query = select(Contract).where(Contract.ocid == ocid).order_by(Contract.id)
    if awards_only:
        query = query.options(raiseload(Contract.parties), raiseload(Contract.agreements),
                              joinedload(Contract.awards).joinedload(Award.suppliers))
    if dataset:
        query = query.where(Contract.dataset == dataset)
    return (await session.scalars(query)).unique().all()


async def load_entities(session: AsyncSession, ids: Iterable[int]) -> dict[int, Entity]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(select(Entity).where(Entity.id.in_(wanted)))
    return {e.id: e for e in rows}
