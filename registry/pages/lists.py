"""The lobbying register as lists: ``/registrants`` (published entries) and ``/meetings``,
each with filters in the query string (so a filtered list is a link to share), next-page
links and the same filtered list as CSV (``/registrants.csv``, ``/meetings.csv``).

Filters are read leniently: a value the page cannot use is named in a message above the
list, never a bare error page, and the rest of the filters still apply."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery
from sqlalchemy import select

from registry.api.access import PUBLIC, access
from registry.api.deadline import response_deadline
from registry.api.pagination import decode_cursor, encode_cursor
from registry.api.problems import Problem
from registry.api.session import DbSession, SessionMaker
from registry.api.streams import ClosingStream
from registry.meetings.listing import MeetingFilter, list_meetings
from registry.meetings.schemas import MeetingOut
from registry.meetings.views import meeting_views
from registry.models import Registrant
from registry.registrants.codes import CATEGORIES, SUBJECT_MATTERS
from registry.registrants.listing import RegistrantFilter, list_published
from registry.registrants.schemas import RegistrantOut
from registry.registrants.views import published_views
from registry.settings import Settings

from .api import SECURITY_HEADERS
from .render import page

PAGE_SIZE = 25
CSV_BATCH = 500
CSV_MAX_ROWS = 100_000  # a filtered list, not the bulk export (that is /downloads/)
STATUSES = ("active", "suspended", "deregistered")


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _url(path: str, params: dict[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return path + ("?" + query if query else "")


@dataclass(slots=True)
class Parsed:
    params: dict[str, str]  # the filters as given (kept in the form and the links)
    errors: dict[str, str] = field(default_factory=dict)  # field -> message


def _day(parsed: Parsed, name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        parsed.errors[name] = f"{value!r} is not a date (YYYY-MM-DD); it is left out."
        return None


def _registrant_filter(category: str | None, subject_matter: str | None, status: str | None,
                       country: str | None, q: str | None) -> tuple[RegistrantFilter, Parsed]:
    p = Parsed({"category": category or "", "subject_matter": subject_matter or "",
                "status": status or "", "country": (country or "").strip().upper(),
                "q": (q or "").strip()})
    if p.params["category"] and p.params["category"] not in CATEGORIES:
        p.errors["category"] = f"Unknown category {category!r}; it is left out."
        p.params["category"] = ""
    if p.params["subject_matter"] and p.params["subject_matter"] not in SUBJECT_MATTERS:
        p.errors["subject_matter"] = f"Unknown subject matter {subject_matter!r}; left out."
        p.params["subject_matter"] = ""
    if p.params["status"] and p.params["status"] not in STATUSES:
        p.errors["status"] = f"Unknown status {status!r}; it is left out."
        p.params["status"] = ""
    if p.params["country"] and (len(p.params["country"]) != 2
                                or not p.params["country"].isalpha()):
        p.errors["country"] = "A country is two letters (ES, DE); it is left out."
        p.params["country"] = ""
    return RegistrantFilter(**{k: v or None for k, v in p.params.items()}), p


def _meeting_filter(official: str | None, institution: str | None, registrant_id: str | None,
                    date_from: str | None, date_to: str | None, subject: str | None,
                    one_sided: str | None) -> tuple[MeetingFilter, Parsed]:
    p = Parsed({"official": (official or "").strip(), "institution": (institution or "").strip(),
                "registrant_id": registrant_id or "", "date_from": date_from or "",
                "date_to": date_to or "", "subject": (subject or "").strip(),
                "one_sided": one_sided or ""})
    reg: int | None = None
    if p.params["registrant_id"]:
        if p.params["registrant_id"].isdigit():
            reg = int(p.params["registrant_id"])
        else:
            p.errors["registrant_id"] = "Choose a registrant from the list."
            p.params["registrant_id"] = ""
    start, end = _day(p, "date_from", date_from), _day(p, "date_to", date_to)
    for name, day in (("date_from", start), ("date_to", end)):
        if day is None:
            p.params[name] = ""
    if p.params["one_sided"] not in ("", "true", "false"):
        p.errors["one_sided"] = "Choose yes or no."
        p.params["one_sided"] = ""
    one = {"true": True, "false": False}.get(p.params["one_sided"])
    return MeetingFilter(official=p.params["official"] or None,
                         institution=p.params["institution"] or None, registrant_id=reg,
                         date_from=start, date_to=end, subject=p.params["subject"] or None,
                         one_sided=one), p


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def _registrant_row(r: RegistrantOut) -> list[Any]:
    office = r.head_office
    return [r.id, r.registration_number, r.name, r.category.code, r.status,
            office.country if office else None, office.city if office else None,
            ";".join(s.code for s in r.subject_matters), r.annual_costs_band,
            len(r.lobbyists), len(r.clients), r.revolving_door, r.returns.overdue,
            r.published_at.isoformat() if r.published_at else None,
            r.entity.id if r.entity else None]


REGISTRANT_COLUMNS = ["id", "registration_number", "name", "category", "status", "country",
                      "city", "subject_matters", "annual_costs_band", "lobbyists", "clients",
                      "revolving_door", "returns_overdue", "published_at", "entity_id"]
MEETING_COLUMNS = ["id", "date", "subject", "registrant_id", "registrant", "institution_id",
                   "institution", "officials", "clients", "declared_by", "one_sided",
                   "legislation", "location", "dataset", "source_key"]


def _meeting_row(m: MeetingOut) -> list[Any]:
    return [m.id, m.date.isoformat(), m.subject, m.registrant.id if m.registrant else None,
            m.registrant.name if m.registrant else m.registrant_name,
            m.institution.id if m.institution else None,
            m.institution.name if m.institution else m.institution_name,
            "; ".join(o.name + (f" ({o.role})" if o.role else "") for o in m.officials),
            "; ".join(c.name for c in m.clients), m.declared_by, m.one_sided,
            m.legislation, m.location, m.dataset, m.source_key]


def _csv(body: AsyncIterator[str], name: str) -> ClosingStream:
    return ClosingStream(body, media_type="text/csv; charset=utf-8", headers={
        **SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


class ListPageController(Controller):
    path = "/"
    tags = ["pages"]
    include_in_schema = False

    @get("/registrants", operation_id="pageRegistrants", opt=access(PUBLIC),
         media_type="text/html")
    async def registrants(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        category: FromQuery[str | None] = None, subject_matter: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None, country: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None, after: FromQuery[str | None] = None,
    ) -> Response[str]:
        flt, parsed = _registrant_filter(category, subject_matter, status, country, q)
        after_id = int(after) if after and after.isdigit() else None
        rows = await list_published(db_session, flt, limit=PAGE_SIZE + 1, after_id=after_id)
        items = await published_views(db_session, rows[:PAGE_SIZE], _settings(request),
                                      dt.date.today())
        nxt = (_url("/registrants", {**parsed.params, "after": str(rows[PAGE_SIZE - 1].id)})
               if len(rows) > PAGE_SIZE else None)
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in parsed.params.items() if v)
        return page("registrants.html", title="Registrants" + (f": {shown}" if shown else ""),
                    request=request, canonical=_url("/registrants", parsed.params),
                    description=("Published entries of the lobbying register"
                                 + (f" ({shown})" if shown else "")
                                 + ": organisations and consultants who lobby, their clients,"
                                 " lobbyists and returns."),
                    items=items, f=parsed.params, errors=parsed.errors, next_url=nxt,
                    first_url=_url("/registrants", parsed.params) if after_id else None,
                    csv_url=_url("/registrants.csv", parsed.params),
                    categories=CATEGORIES, subject_matters=SUBJECT_MATTERS, statuses=STATUSES)

    @get("/registrants.csv", operation_id="pageRegistrantsCsv", opt=access(PUBLIC),
         middleware=[response_deadline("export_max_seconds")])
    async def registrants_csv(
        self, request: Request[Any, Any, Any], sessionmaker: SessionMaker,
        category: FromQuery[str | None] = None, subject_matter: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None, country: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
    ) -> ClosingStream:
        flt, parsed = _registrant_filter(category, subject_matter, status, country, q)
        if parsed.errors:
            name, message = next(iter(parsed.errors.items()))
            raise Problem(400, message, field=name)
        settings = _settings(request)

        async def body() -> AsyncIterator[str]:
            yield _csv_line(REGISTRANT_COLUMNS)
            after_id, sent = None, 0
            # Our own session: the request's is closed before the body streams.
            async with sessionmaker() as session:
                while sent < CSV_MAX_ROWS:
                    rows = await list_published(session, flt, limit=CSV_BATCH,
                                                after_id=after_id)
                    for r in await published_views(session, rows, settings, dt.date.today()):
                        yield _csv_line(_registrant_row(r))
                    sent += len(rows)
                    if len(rows) < CSV_BATCH:
                        break
                    after_id = rows[-1].id

        return _csv(body(), "registrants.csv")

    @get("/meetings", operation_id="pageMeetings", opt=access(PUBLIC), media_type="text/html")
    async def meetings(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        official: FromQuery[str | None] = None, institution: FromQuery[str | None] = None,
        registrant_id: FromQuery[str | None] = None, date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None, subject: FromQuery[str | None] = None,
        one_sided: FromQuery[str | None] = None, cursor: FromQuery[str | None] = None,
    ) -> Response[str]:
        flt, parsed = _meeting_filter(official, institution, registrant_id, date_from, date_to,
                                      subject, one_sided)
        after_key = None
        try:
            raw = decode_cursor(cursor, (str, int))
            if raw:
                after_key = (dt.date.fromisoformat(str(raw[0])), int(raw[1]))
        except (Problem, ValueError, IndexError):
            parsed.errors["cursor"] = "That page link is no longer valid; showing the first page."
        rows = await list_meetings(db_session, flt, limit=PAGE_SIZE + 1, after=after_key)
        items = await meeting_views(db_session, rows[:PAGE_SIZE])
        nxt = None
        if len(rows) > PAGE_SIZE:
            last = rows[PAGE_SIZE - 1]
            nxt = _url("/meetings", {**parsed.params,
                                     "cursor": encode_cursor([last.date.isoformat(), last.id])})
        registrants = (await db_session.execute(
            select(Registrant.id, Registrant.name).where(
                Registrant.published_version.is_not(None)).order_by(Registrant.name)
            .limit(1000))).all()
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in parsed.params.items() if v)
        return page("meetings.html", title="Meetings" + (f": {shown}" if shown else ""),
                    request=request, canonical=_url("/meetings", parsed.params),
                    description=("Meetings between lobbyists and public officials, declared by "
                                 "registrants or published in officials' diaries"
                                 + (f" ({shown})" if shown else "") + "."),
                    items=items, f=parsed.params, errors=parsed.errors, next_url=nxt,
                    first_url=_url("/meetings", parsed.params) if after_key else None,
                    csv_url=_url("/meetings.csv", parsed.params), registrants=registrants)

    @get("/meetings.csv", operation_id="pageMeetingsCsv", opt=access(PUBLIC),
         middleware=[response_deadline("export_max_seconds")])
    async def meetings_csv(
        self, sessionmaker: SessionMaker,
        official: FromQuery[str | None] = None, institution: FromQuery[str | None] = None,
        registrant_id: FromQuery[str | None] = None, date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None, subject: FromQuery[str | None] = None,
        one_sided: FromQuery[str | None] = None,
    ) -> ClosingStream:
        flt, parsed = _meeting_filter(official, institution, registrant_id, date_from, date_to,
                                      subject, one_sided)
        if parsed.errors:
            name, message = next(iter(parsed.errors.items()))
            raise Problem(400, message, field=name)

        async def body() -> AsyncIterator[str]:
            yield _csv_line(MEETING_COLUMNS)
            after, sent = None, 0
            async with sessionmaker() as session:
                while sent < CSV_MAX_ROWS:
                    rows = await list_meetings(session, flt, limit=CSV_BATCH, after=after)
                    for m in await meeting_views(session, rows):
                        yield _csv_line(_meeting_row(m))
                    sent += len(rows)
                    if len(rows) < CSV_BATCH:
                        break
                    after = (rows[-1].date, rows[-1].id)

        return _csv(body(), "meetings.csv")
