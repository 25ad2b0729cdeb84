"""Checking an entry: its shape (types), its codes (always), its completeness (on submit).

Every problem names the field, as a path into the entry: ``lobbyists[1].former_office_end``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec

from registry.api.problems import Problem

from .codes import CATEGORIES, CLIENT_CATEGORIES, MONEY_BANDS, SUBJECT_MATTERS
from .schemas import Entry, FieldIssue

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_UNKNOWN = re.compile(r"unknown field `(?P<name>[^`]+)`")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 10_000


def parse_entry(raw: Any) -> Entry:
    """Convert a JSON object to an ``Entry``; a wrong type is a 422 naming the field."""
    if not isinstance(raw, dict):
        raise Problem(422, "The entry must be a JSON object.", type_="validation")
    try:
        return msgspec.convert(raw, Entry, strict=False)
    except msgspec.ValidationError as exc:
        m = _AT.match(str(exc))
        message = m.group("msg") if m else str(exc)
        path = (m.group("path") or "") if m else ""
        path = path.lstrip(".")
        unknown = _UNKNOWN.search(message)
        if unknown:
            path = f"{path}.{unknown.group('name')}" if path else unknown.group("name")
        field = path or "entry"
        raise Problem(422, f"{field}: {message}", type_="validation", field=field,
                      title="Invalid entry",
                      errors=[{"field": field, "message": message}]) from exc


def code_issues(entry: Entry) -> list[FieldIssue]:
    """Problems with any content, draft or not: unknown codes, malformed values."""
    issues: list[FieldIssue] = []

    def bad(field: str, message: str) -> None:
        issues.append(FieldIssue(field=field, message=message))

    if entry.category is not None and entry.category not in CATEGORIES:
        bad("category", f"Unknown category {entry.category!r}; see the code list.")
    for i, code in enumerate(entry.subject_matters):
        if code not in SUBJECT_MATTERS:
            bad(f"subject_matters[{i}]", f"Unknown subject matter {code!r}; see the code list.")
    if entry.annual_costs_band is not None and entry.annual_costs_band not in MONEY_BANDS:
        bad("annual_costs_band", f"Unknown band {entry.annual_costs_band!r}; see the code list.")
    for i, client in enumerate(entry.clients):
        if client.income_band is not None and client.income_band not in MONEY_BANDS:
            bad(f"clients[{i}].income_band", f"Unknown band {client.income_band!r}.")
    if entry.website and not re.match(r"^https?://\S+$", entry.website):
        bad("website", "The website must be an http(s) address.")
    if entry.head_office and entry.head_office.country is not None \
            and not COUNTRY.match(entry.head_office.country):
        bad("head_office.country", "Use the two-letter ISO 3166-1 code, e.g. ES.")
    for i, lob in enumerate(entry.lobbyists):
        if lob.former_office_end and not lob.former_public_office:
            bad(f"lobbyists[{i}].former_public_office",
                "Name the former public office whose end date is given.")
        if lob.former_office_end and lob.former_office_end > dt.date.today():
            bad(f"lobbyists[{i}].former_office_end",
                "A former office cannot end in the future.")
    if entry.description and len(entry.description) > MAX_TEXT:
        bad("description", f"At most {MAX_TEXT} characters.")
    return issues


def missing_for_submission(entry: Entry) -> list[FieldIssue]:
    """What a complete entry must still give before it may be submitted."""
    issues: list[FieldIssue] = []

    def need(field: str, message: str) -> None:
        issues.append(FieldIssue(field=field, message=message))

    if not (entry.name or "").strip():
        need("name", "Give the registrant's name.")
    if not entry.category:
        need("category", "Choose a category.")
    if entry.head_office is None or not (entry.head_office.address or "").strip():
        need("head_office.address", "Give the head office address.")
    if entry.head_office is None or not entry.head_office.country:
        need("head_office.country", "Give the head office country.")
    if not (entry.description or "").strip():
        need("description", "Describe the registrant's goals and activities.")
    if not entry.subject_matters:
        need("subject_matters", "Choose at least one subject matter.")
    if not entry.annual_costs_band:
        need("annual_costs_band", "Choose the band of annual lobbying costs.")
    if not entry.lobbyists:
        need("lobbyists", "Name at least one person who lobbies.")
    for i, lob in enumerate(entry.lobbyists):
        if not (lob.name or "").strip():
            need(f"lobbyists[{i}].name", "Give the lobbyist's name.")
        if lob.former_public_office and lob.former_office_end is None:
            need(f"lobbyists[{i}].former_office_end",
                 "Give the date the former public office ended.")
    if entry.category in CLIENT_CATEGORIES:
        for i, client in enumerate(entry.clients):
            if not (client.name or "").strip():
                need(f"clients[{i}].name", "Give the client's name.")
            if not client.income_band:
                need(f"clients[{i}].income_band", "Choose the band of income from this client.")
    elif entry.clients:
        need("clients", "Only consultancies, law firms and self-employed consultants "
                        "declare clients.")
    return issues


def raise_issues(issues: list[FieldIssue], title: str = "Invalid entry",
                 status: int = 422) -> None:
    if issues:
        first = issues[0]
        raise Problem(status, f"{first.field}: {first.message}", type_="validation",
                      field=first.field, title=title,
                      errors=[{"field": i.field, "message": i.message} for i in issues])
