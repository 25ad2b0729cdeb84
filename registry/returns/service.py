"""Returns owed, filed and overdue.

The periods a registrant owes are computed, not stored: from the period of its first
approval to the last period that has ended (or the period of its deregistration). A row in
``returns`` exists once a return is filed or drafted; amending it refiles it (both in the
audit log). A draft (``draft``) lives beside the filed content and is read by the
registrant's members and registrars only; a row with a draft alone has the status
``draft`` and counts as not filed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.problems import Problem
from registry.audit import Actor
from registry.models import Registrant, Return
from registry.registrants.codes import MONEY_BANDS, SUBJECT_MATTERS
from registry.registrants.schemas import ClientIn, ReturnsStatus
from registry.settings import Settings

from .periods import Period, owed_periods, period_of
from .schemas import ReturnDraftIn, ReturnDraftOut, ReturnIn, ReturnOut


def owed(registrant: Registrant, settings: Settings, today: dt.date) -> list[Period]:
    if registrant.registered_at is None:
        return []
    last = today
    if registrant.status == "deregistered" and registrant.status_changed_at is not None:
        last = registrant.status_changed_at.date()
    return owed_periods(registrant.registered_at.date(), last, today,
                        settings.returns_period_months, settings.returns_due_days)


async def filed_starts(session: AsyncSession,
                       registrant_ids: Iterable[int]) -> dict[int, set[dt.date]]:
    ids = list(registrant_ids)
    out: dict[int, set[dt.date]] = {i: set() for i in ids}
    if ids:
        rows = await session.execute(select(Return.registrant_id, Return.period_start).where(
            Return.registrant_id.in_(ids), Return.status == "filed"))
        for rid, start in rows:
            out[rid].add(start)
    return out


def status(registrant: Registrant, filed: set[dt.date], settings: Settings,
           today: dt.date) -> ReturnsStatus:
    periods = owed(registrant, settings, today)
    overdue = [p.start for p in periods if p.start not in filed and p.due < today]
    due = [p.due for p in periods if p.start not in filed and p.due >= today]
    return ReturnsStatus(overdue=bool(overdue), overdue_periods=overdue,
                         next_due=min(due) if due else None)


async def list_returns(session: AsyncSession, registrant: Registrant, settings: Settings,
                       today: dt.date) -> list[ReturnOut]:
    rows = {r.period_start: r for r in (await session.scalars(
        select(Return).where(Return.registrant_id == registrant.id))).all()}
    out: list[ReturnOut] = []
    for p in reversed(owed(registrant, settings, today)):
        row = rows.get(p.start)
        if row is not None and row.status == "filed":
            data = msgspec.convert(row.data, ReturnIn, strict=False)
            out.append(ReturnOut(period_start=p.start, period_end=p.end, due_date=p.due,
                                 status="filed", filed_at=row.filed_at,
                                 costs_band=data.costs_band,
                                 subject_matters=data.subject_matters,
                                 legislative_files=data.legislative_files,
                                 activities=data.activities, clients=data.clients))
        else:
            out.append(ReturnOut(period_start=p.start, period_end=p.end, due_date=p.due,
                                 status="overdue" if p.due < today else "due"))
    return out


async def file_return(session: AsyncSession, actor: Actor, registrant: Registrant,
                      data: ReturnIn, settings: Settings, today: dt.date) -> ReturnOut:
    period = _period(registrant, settings, today, data.period_start, under_way=False)
    _check_codes(data.costs_band, data.subject_matters, data.clients)
    now = dt.datetime.now(dt.UTC)
    row = await _locked_row(session, registrant, period)
    amended = row.status == "filed"
    row.status = "filed"
    row.filed_at = now
    row.data = msgspec.to_builtins(data)
    row.draft, row.draft_saved_at = None, None  # filed: the draft is done with
    await session.flush()
    actor.log(session, "return.amend" if amended else "return.file", "return", row.id,
              {"registrant_id": registrant.id, "period_start": period.start.isoformat(),
               "late": today > period.due})
    return ReturnOut(period_start=period.start, period_end=period.end, due_date=period.due,
                     status="filed", filed_at=now, costs_band=data.costs_band,
                     subject_matters=data.subject_matters,
                     legislative_files=data.legislative_files, activities=data.activities,
                     clients=data.clients)


def _check_codes(costs_band: str | None, subject_matters: list[str],
                 clients: list[ClientIn]) -> None:
    if costs_band is not None and costs_band not in MONEY_BANDS:
        raise Problem(422, f"Unknown band {costs_band!r}.", field="costs_band",
                      type_="validation")
    for i, code in enumerate(subject_matters):
        if code not in SUBJECT_MATTERS:
            raise Problem(422, f"Unknown subject matter {code!r}.", field=f"subject_matters[{i}]",
                          type_="validation")
    for i, client in enumerate(clients):
        if client.income_band is not None and client.income_band not in MONEY_BANDS:
            raise Problem(422, f"Unknown band {client.income_band!r}.",
                          field=f"clients[{i}].income_band", type_="validation")


async def _row(session: AsyncSession, registrant: Registrant, period_start: dt.date, *,
               lock: bool = False) -> Return | None:
    query = select(Return).where(Return.registrant_id == registrant.id,
                                 Return.period_start == period_start)
    if lock:  # and fresh: the session may hold an older copy of the row
        query = query.with_for_update().execution_options(populate_existing=True)
    row: Return | None = (await session.scalars(query)).first()
    return row


async def _locked_row(session: AsyncSession, registrant: Registrant, period: Period) -> Return:
    """The period's row, created (as a draft-only row, until the caller says otherwise) if
    missing, and locked: two first writes for one period at once wait for each other
    instead of one failing on the unique constraint."""
    await session.execute(pg_insert(Return).values(
        registrant_id=registrant.id, period_start=period.start, period_end=period.end,
        due_date=period.due, status="draft").on_conflict_do_nothing(
        index_elements=[Return.registrant_id, Return.period_start]))
    row = await _row(session, registrant, period.start, lock=True)
    assert row is not None
    return row


def _period(registrant: Registrant, settings: Settings, today: dt.date,
            period_start: dt.date, *, under_way: bool) -> Period:
    """The period owed that starts on ``period_start``; with ``under_way``, the period going
    on today counts too (a return can be drafted as the period goes)."""
    periods = {p.start: p for p in owed(registrant, settings, today)}
    if under_way and registrant.registered_at is not None \
            and registrant.status != "deregistered":
        current = period_of(today, settings.returns_period_months, settings.returns_due_days)
        periods.setdefault(current.start, current)
    period = periods.get(period_start)
    if period is None:
        detail = ("period_start is not the start of a period this registrant owes a return "
                  "for, nor of the period under way." if under_way else
                  "period_start is not the start of a period this registrant owes a return "
                  "for (a period that has ended since its registration).")
        raise Problem(422, detail, field="period_start", type_="validation")
    return period


def _draft_out(row: Return) -> ReturnDraftOut:
    assert row.draft is not None and row.draft_saved_at is not None
    return ReturnDraftOut(period_start=row.period_start, period_end=row.period_end,
                          due_date=row.due_date, saved_at=row.draft_saved_at,
                          draft=msgspec.convert(row.draft, ReturnDraftIn, strict=False),
                          filed=row.status == "filed")


async def save_draft(session: AsyncSession, actor: Actor, registrant: Registrant,
                     period_start: dt.date, data: ReturnDraftIn, settings: Settings,
                     today: dt.date) -> ReturnDraftOut:
    """Keep an unfinished return for the registrant's members; the filed return, if any,
    stays as the public sees it until the draft is filed."""
    period = _period(registrant, settings, today, period_start, under_way=True)
    _check_codes(data.costs_band, data.subject_matters, data.clients)
    row = await _locked_row(session, registrant, period)
    row.draft = msgspec.to_builtins(data)
    row.draft_saved_at = dt.datetime.now(dt.UTC)
    await session.flush()
    actor.log(session, "return.draft_save", "return", row.id,
              {"registrant_id": registrant.id, "period_start": period.start.isoformat()})
    return _draft_out(row)


async def _draft_row(session: AsyncSession, registrant: Registrant, period_start: dt.date,
                     *, lock: bool = False) -> Return:
    row = await _row(session, registrant, period_start, lock=lock)
    if row is None or row.draft is None:
        raise Problem(404, f"No draft return for the period starting {period_start}.",
                      field="period_start")
    return row


async def get_draft(session: AsyncSession, registrant: Registrant,
                    period_start: dt.date) -> ReturnDraftOut:
    return _draft_out(await _draft_row(session, registrant, period_start))


async def discard_draft(session: AsyncSession, actor: Actor, registrant: Registrant,
                        period_start: dt.date) -> None:
    row = await _draft_row(session, registrant, period_start, lock=True)
    actor.log(session, "return.draft_discard", "return", row.id,
              {"registrant_id": registrant.id, "period_start": period_start.isoformat()})
    if row.status == "draft":
        await session.delete(row)
    else:
        row.draft, row.draft_saved_at = None, None
