"""Public shapes of returns."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from registry.registrants.schemas import ClientIn, Code_, Line, Text

# Bounded like a register entry's fields and lists: a too long one is a 422 naming it.
SubjectMatters = Annotated[list[Code_], msgspec.Meta(max_length=50)]
LegislativeFiles = Annotated[list[Line], msgspec.Meta(max_length=200)]
Clients = Annotated[list[ClientIn], msgspec.Meta(max_length=1_000)]


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a registrant reports for one period."""

    period_start: dt.date
    costs_band: Code_
    subject_matters: SubjectMatters = []
    legislative_files: LegislativeFiles = []
    activities: Text | None = None
    clients: Clients = []


class ReturnDraftIn(msgspec.Struct, forbid_unknown_fields=True):
    """An unfinished return: every field may still be missing; the codes given are
    checked at once, the rest when the return is filed."""

    costs_band: Code_ | None = None
    subject_matters: SubjectMatters = []
    legislative_files: LegislativeFiles = []
    activities: Text | None = None
    clients: Clients = []


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
