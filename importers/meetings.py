"""Officials' published diaries: ``registry import meetings PATH... [--dataset NAME]``.

CSV (UTF-8, comma-separated, header row; ``.gz`` accepted), one meeting a line:

| column                | required | meaning                                                  |
|-----------------------|----------|----------------------------------------------------------|
| `id`                  | no       | the diary's id of the entry; default: a hash of the line |
| `date`                | yes      | `YYYY-MM-DD`                                             |
| `official`            | yes      | the official's name; several separated by `;`            |
| `official_role`       | no       | their role(s), `;`-separated in the same order           |
| `institution`         | yes      | the official's institution (a public body)               |
| `registrant`          | yes*     | the organisation met, as the diary wrote it              |
| `registration_number` | yes*     | its number in this register (`R000123`), if given        |
| `subject`             | yes      | what the meeting was about                               |
| `legislation`         | no       | the legislative file or decision concerned               |
| `location`            | no       |                                                          |
| `clients`             | no       | clients represented, `;`-separated                       |

(*) one of the two. The registrant is matched by registration number, else by normalised
name among published registrants. A line that is not usable is skipped and reported with its
line number; the rest is imported. Re-importing the same file changes nothing; a changed line
updates its meeting. Each meeting is reconciled with the registrant's own declaration of it
(see ``registry/meetings/service.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.core.runs import RunRecorder, Summary, run_import
from importers.core.sources import DEFAULT_ENCODING, check_encoding, expand_paths
from registry.entities.write import set_names
from registry.meetings.reconcile import find_public_body, reconcile
from registry.models import (
    Entity,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
)
from search.normalize import normalize_name

SOURCE = "meetings"
DEFAULT_DATASET = "diaries"
REQUIRED = ("date", "official", "institution", "subject")
BATCH = 200


@dataclass(frozen=True, slots=True)
class Row:
    path: str
    index: int
    position: str
    values: dict[str, str] | None = None
    error: str | None = None


MAX_BAD_ROWS_IN_A_ROW = 1_000  # then the file is not CSV at all: stop reading it


def _undecodable(values: dict[str, str]) -> str | None:
    """The first value holding bytes the encoding could not decode (kept as lone
    surrogates)."""
    for key, value in values.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return key
    return None


def iter_rows(paths: list[str], encoding: str = DEFAULT_ENCODING) -> Iterator[Row]:
    encoding = check_encoding(encoding)
    for path in expand_paths(paths):
        with path.open("rb") as fh:
            magic = fh.read(2)
        opener: Any = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rb") as binary:
            # A bad byte spoils its line only: it is kept as a lone surrogate and that row
            # is reported, instead of a decoding error ending the file.
            text = io.TextIOWrapper(
                binary, encoding="utf-8-sig" if encoding == DEFAULT_ENCODING else encoding,
                newline="", errors="surrogateescape")
            reader = csv.DictReader(text)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing or not ({"registrant", "registration_number"} & set(header)):
                yield Row(str(path), 0, "line 1",
                          error=f"missing columns: {', '.join(missing) or 'registrant'}")
                continue
            reader.fieldnames = header
            index = bad_in_a_row = 0
            rows = iter(reader)
            while bad_in_a_row < MAX_BAD_ROWS_IN_A_ROW:
                try:
                    raw_values = next(rows)
                except StopIteration:
                    break
                except csv.Error as exc:  # e.g. a field past the size limit: skip the row
                    yield Row(str(path), index, f"line {reader.line_num}",
                              error=f"unreadable CSV: {exc}")
                    index += 1
                    bad_in_a_row += 1
                    continue
                values = {k: (v or "").strip() for k, v in raw_values.items()
                          if isinstance(k, str) and isinstance(v, str | None)}
                column = _undecodable(values)
                if column is not None:
                    yield Row(str(path), index, f"line {reader.line_num}",
                              error=f"column {column}: cannot decode as {encoding} "
                                    "(see --encoding)")
                    bad_in_a_row += 1
                else:
                    yield Row(str(path), index, f"line {reader.line_num}", values=values)
                    bad_in_a_row = 0
                index += 1


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


@dataclass
class Parsed:
    source_key: str
    date: dt.date
    officials: list[tuple[str, str | None]]
    institution: str
    registrant: str
    registration_number: str
    subject: str
    legislation: str | None
    location: str | None
    clients: list[str]


def parse(values: dict[str, str]) -> Parsed:
    """Raises ValueError with the reason when the line cannot be used."""
    for column in REQUIRED:
        if not values.get(column):
            raise ValueError(f"missing {column}")
    if not values.get("registrant") and not values.get("registration_number"):
        raise ValueError("missing registrant")
    try:
        day = dt.date.fromisoformat(values["date"])
    except ValueError:
        raise ValueError(f"bad date: {values['date']!r} (use YYYY-MM-DD)") from None
    names = _split(values["official"])
    roles = _split(values.get("official_role"))
    fingerprint = "|".join(values.get(c, "") for c in (
        "date", "official", "institution", "registrant", "registration_number", "subject"))
    return Parsed(
        source_key=values.get("id") or "row-" + hashlib.sha1(  # noqa: S324 - an id, not security
            fingerprint.encode()).hexdigest()[:20],
        date=day, officials=[(n, roles[i] if i < len(roles) else None)
                             for i, n in enumerate(names)],
        institution=values["institution"], registrant=values.get("registrant", ""),
        registration_number=values.get("registration_number", "").upper(),
        subject=values["subject"], legislation=values.get("legislation") or None,
        location=values.get("location") or None, clients=_split(values.get("clients")))


class Resolver:
    """Registrants by number and by normalised name; entities of officials and institutions."""

    def __init__(self, session: AsyncSession, dataset: str) -> None:
        self.session = session
        self.dataset = dataset
        self.by_number: dict[str, int] = {}
        self.by_name: dict[str, int | None] = {}
        self.entities: dict[tuple[str, str], int | None] = {}

    async def load(self) -> None:
        rows = (await self.session.execute(select(Registrant.id, Registrant.name,
                                                  Registrant.registration_number)
                                           .where(Registrant.published_version.is_not(None))))
        for rid, name, number in rows:
            if number:
                self.by_number[number] = rid
            norm = normalize_name(name)
            # two registrants with one name: a diary's spelling cannot tell them apart
            self.by_name[norm] = None if norm in self.by_name else rid

    def registrant(self, p: Parsed) -> int | None:
        if p.registration_number and p.registration_number in self.by_number:
            return self.by_number[p.registration_number]
        return self.by_name.get(normalize_name(p.registrant))

    async def entity(self, kind: str, name: str) -> int | None:
        norm = normalize_name(name)
        if not norm:
            return None
        if (kind, norm) in self.entities:
            return self.entities[(kind, norm)]
        found = await find_public_body(self.session, name) if kind == "public_body" else None
        if found is None:
            prefix = "institution" if kind == "public_body" else "official"
            key = f"{prefix}/{norm}"
            entity = (await self.session.scalars(select(Entity).where(
                Entity.dataset == self.dataset, Entity.source_key == key))).first()
            if entity is None:
                entity = Entity(dataset=self.dataset, source_key=key, kind=kind, name=name)
                set_names(entity, name)
                self.session.add(entity)
                await self.session.flush()
            found = entity.id
        self.entities[(kind, norm)] = found
        return found


def _content(m: Meeting) -> tuple[Any, ...]:
    return (m.date, m.subject, m.legislation, m.location, m.registrant_id, m.registrant_name,
            m.institution_id, [(o.name, o.role, o.institution) for o in m.officials],
            [c.name for c in m.clients])


async def existing_meetings(session: AsyncSession, dataset: str,
                            keys: list[str]) -> dict[str, Meeting]:
    """One query for a batch (officials and clients come with it, selectin)."""
    if not keys:
        return {}
    rows = (await session.scalars(select(Meeting).where(
        Meeting.dataset == dataset, Meeting.source_key.in_(keys)))).all()
    return {m.source_key: m for m in rows}


async def upsert(session: AsyncSession, resolver: Resolver, p: Parsed, run_id: int,
                 existing: Meeting | None) -> tuple[str, Meeting | None]:
    """('imported' | 'updated' | 'unchanged', the written meeting or None if unchanged)."""
    registrant_id = resolver.registrant(p)
    institution_id = await resolver.entity("public_body", p.institution)
    officials = [MeetingOfficial(name=name, role=role, institution=p.institution,
                                 entity_id=await resolver.entity("person", name))
                 for name, role in p.officials]
    clients = [MeetingClient(name=c) for c in p.clients]
    registrant_name = p.registrant or p.registration_number
    after = (p.date, p.subject, p.legislation, p.location, registrant_id, registrant_name,
             institution_id, [(o.name, o.role, o.institution) for o in officials],
             [c.name for c in clients])
    if existing is not None and _content(existing) == after:
        return "unchanged", None
    meeting = existing or Meeting(dataset=resolver.dataset, source_key=p.source_key,
                                  declared_by_official=True, declared_by_registrant=False)
    if existing is not None and existing.merged_into_id is not None:
        # The diary changed: undo the old reconciliation; it is looked for again below.
        kept = await session.get(Meeting, existing.merged_into_id)
        existing.merged_into_id = None
        await session.flush()
        if kept is not None:
            others = (await session.scalars(select(Meeting.id).where(
                Meeting.merged_into_id == kept.id))).first()
            kept.declared_by_official = others is not None
    meeting.date = p.date
    meeting.subject = p.subject
    meeting.legislation = p.legislation
    meeting.location = p.location
    meeting.registrant_id = registrant_id
    meeting.registrant_name = registrant_name
    meeting.institution_id = institution_id
    meeting.officials = officials
    meeting.clients = clients
    meeting.import_run_id = run_id
    if existing is None:
        session.add(meeting)
    outcome = "imported" if existing is None else "updated"
    return outcome, meeting


async def import_meetings(database_url: str, paths: list[str], *,
                          dataset: str = DEFAULT_DATASET, resume: bool = True,
                          encoding: str = DEFAULT_ENCODING) -> Summary:
    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        resolver = Resolver(session, dataset)
        await resolver.load()
        batch: list[tuple[Row, Parsed | None]] = []

        async def flush_batch() -> None:
            existing = await existing_meetings(
                session, dataset, [p.source_key for _, p in batch if p is not None])
            to_reconcile: list[Meeting] = []
            for row, parsed in batch:
                if parsed is not None:
                    outcome, meeting = await upsert(session, resolver, parsed, recorder.id,
                                                    existing.get(parsed.source_key))
                    setattr(recorder.summary, outcome, getattr(recorder.summary, outcome) + 1)
                    if meeting is not None:
                        # a later line with the same id in this batch updates this meeting
                        existing[parsed.source_key] = meeting
                        if meeting.registrant_id is not None and meeting not in to_reconcile:
                            to_reconcile.append(meeting)
                recorder.mark(row.path, row.index)
            await session.flush()
            for meeting in to_reconcile:
                await reconcile(session, meeting)
            await recorder.checkpoint(session)
            batch.clear()

        for row in iter_rows(paths, encoding):
            if row.error is not None:
                recorder.skip(row.path, row.position, row.error)
                continue
            if recorder.should_skip(row.path, row.index):
                continue
            assert row.values is not None
            try:
                parsed: Parsed | None = parse(row.values)
            except ValueError as exc:
                recorder.skip(row.path, row.position, str(exc))
                parsed = None
            batch.append((row, parsed))
            if len(batch) >= BATCH:
                await flush_batch()
        await flush_batch()

    return await run_import(database_url, dataset=dataset, source=SOURCE,
                            paths=[str(Path(p)) for p in paths], body=body, resume=resume,
                            title="Officials' published diaries")
