"""Public shapes of meetings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from registry.entities.schemas import EntityOut
from registry.registrants.schemas import Line, Text

# Bounded like a register entry (a declaration is stored, published and exported whole):
# a too long value or list is a 422 naming its field.


class OfficialIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Line
    role: Line | None = None
    institution: Line | None = None


class MeetingIn(msgspec.Struct, forbid_unknown_fields=True):
    date: dt.date
    officials: Annotated[list[OfficialIn], msgspec.Meta(max_length=100)]
    subject: Text
    institution: Line | None = None  # defaults to the first official's institution
    # names of the clients represented
    clients: Annotated[list[Line], msgspec.Meta(max_length=1_000)] = []
    legislation: Text | None = None
    location: Line | None = None


class OfficialOut(msgspec.Struct):
    name: str
    role: str | None = None
    institution: str | None = None
    entity: EntityOut | None = None


class ClientRef(msgspec.Struct):
    name: str
    entity: EntityOut | None = None


class RegistrantRef(msgspec.Struct):
    id: int
    name: str
    registration_number: str | None = None


class MeetingOut(msgspec.Struct):
    id: int
    date: dt.date
    subject: str
    dataset: str
    source_key: str
    declared_by: str  # registrant | official | both
    one_sided: bool  # declared by only one side: worth a question
    declared_by_registrant: bool
    declared_by_official: bool
    officials: list[OfficialOut]
    clients: list[ClientRef]
    legislation: str | None = None
    location: str | None = None
    institution: EntityOut | None = None
    institution_name: str | None = None
    registrant: RegistrantRef | None = None
    registrant_name: str | None = None  # as an official's diary wrote it
    merged: list[str] = []  # source keys of the declarations reconciled into this one
