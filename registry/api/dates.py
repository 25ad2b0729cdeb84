"""The days the API reasons about. Year 1 or 9999 is a valid ``date`` but no register's:
a day's end or the year before it would overflow, so such a day is a 400 naming its field."""

from __future__ import annotations

import datetime as dt

from .problems import Problem

FIRST_DAY = dt.date(1800, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def check_day(value: dt.date | None, field: str) -> dt.date | None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise Problem(400, f"{field} must be between {FIRST_DAY} and {LAST_DAY}.", field=field,
                      type_="validation")
    return value
