"""Public shapes of returns."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.registrants.schemas import ClientIn


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a registrant reports for one period."""

    period_start: dt.date
    costs_band: str
    subject_matters: list[str] = []
    legislative_files: list[str] = []
    activities: str | None = None
    clients: list[ClientIn] = []


class ReturnDraftIn(msgspec.Struct, forbid_unknown_fields=True):
    """An unfinished return: every field may still be missing; the codes given are
    checked at once, the rest when the return is filed."""

    costs_band: str | None = None
    subject_matters: list[str] = []
    legislative_files: list[str] = []
    activities: str | None = None
    clients: list[ClientIn] = []


class ReturnDraftOut(msgspec.Struct):
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    saved_at: dt.datetime
    draft: ReturnDraftIn
    filed: bool  # a return is filed for the period: filing the draft amends it


class ReturnOut(msgspec.Struct):
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    status: str  # filed | due | overdue
    filed_at: dt.datetime | None = None
    costs_band: str | None = None
    subject_matters: list[str] = []
    legislative_files: list[str] = []
    activities: str | None = None
    clients: list[ClientIn] = []
