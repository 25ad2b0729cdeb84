"""Reporting periods: consecutive blocks of ``months`` months counted from January of year 0,
so that 6-month periods are January-June and July-December, 3-month periods are quarters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    due: dt.date


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(day: dt.date, months: int, due_days: int) -> Period:
    if months < 1:
        raise ValueError("A period is at least one month.")
    index = (day.year * 12 + day.month - 1) // months * months
    start = dt.date(index // 12, index % 12 + 1, 1)
    end = _add_months(start, months) - dt.timedelta(days=1)
    return Period(start, end, end + dt.timedelta(days=due_days))


def owed_periods(first_day: dt.date, last_day: dt.date, today: dt.date, months: int,
                 due_days: int) -> list[Period]:
    """Every period from the one containing ``first_day`` to the one containing
    ``last_day`` that has ended before ``today``."""
    out: list[Period] = []
    period = period_of(first_day, months, due_days)
    while period.start <= last_day and period.end < today:
        out.append(period)
        period = period_of(period.end + dt.timedelta(days=1), months, due_days)
    return out
