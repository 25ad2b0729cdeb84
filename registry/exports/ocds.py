"""OCDS 1.1 export: a record package (or JSON Lines of records), streamed in constant memory.

Each record carries every stored release of its process (embedded, in date order) and the
compiled release. Records are read in keyset pages of contracts with their releases, and the
JSON is assembled from PostgreSQL's own text of the stored documents, so nothing is parsed
again and memory stays at one page. Importing the output gives back the same releases, hence
the same records (the round trip the tests check).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry import __version__

PAGE = 500
PUBLISHER_NAME = "Transparency Registry"
DEFAULT_URI = "urn:transparency-registry:export:ocds"


@dataclass
class ExportCounts:
    records: int = 0
    releases: int = 0
    datasets: set[str] = field(default_factory=set)


_PAGE_SQL = """
SELECT id, dataset, ocid, compiled::text AS compiled FROM contracts
WHERE id > :after AND (CAST(:datasets AS text[]) IS NULL OR dataset = ANY(:datasets))
ORDER BY id LIMIT :limit
"""
_RELEASES_SQL = """
SELECT r.dataset, r.source_key, r.content::text AS content
FROM record_versions r
JOIN unnest(CAST(:datasets AS text[]), CAST(:ocids AS text[])) AS k(dataset, ocid)
  ON r.dataset = k.dataset AND r.source_key = k.ocid
WHERE r.record_type = 'release'
ORDER BY r.dataset, r.source_key, r.valid_from, r.seq, r.id
"""
_LAST_CHANGE_SQL = """
SELECT max(updated_at) FROM contracts
WHERE CAST(:datasets AS text[]) IS NULL OR dataset = ANY(:datasets)
"""


async def _records(session: AsyncSession, datasets: Sequence[str] | None,
                   counts: ExportCounts) -> AsyncIterator[str]:
    """One JSON text per record, in contract id order."""
    after = 0
    ds = list(datasets) if datasets else None
    while True:
        page = (await session.execute(text(_PAGE_SQL),
                                      {"after": after, "datasets": ds, "limit": PAGE})).all()
        if not page:
            return
        after = page[-1].id
        releases: dict[tuple[str, str], list[str]] = {}
        for r in await session.execute(text(_RELEASES_SQL), {
                "datasets": [c.dataset for c in page], "ocids": [c.ocid for c in page]}):
            releases.setdefault((r.dataset, r.source_key), []).append(r.content)
        for c in page:
            stored = releases.get((c.dataset, c.ocid)) or [c.compiled]  # never an empty list
            counts.records += 1
            counts.releases += len(stored)
            counts.datasets.add(c.dataset)
            yield (f'{{"ocid": {json.dumps(c.ocid, ensure_ascii=False)}, '
                   f'"releases": [{", ".join(stored)}], "compiledRelease": {c.compiled}}}')
        await session.rollback()  # end the read transaction between pages


async def published_date(session: AsyncSession, datasets: Sequence[str] | None) -> str:
    """The time of the last change to what is exported (OCDS: for packages made on demand),
    so that two exports of unchanged data are identical."""
    last = await session.scalar(text(_LAST_CHANGE_SQL),
                                {"datasets": list(datasets) if datasets else None})
    when = last or dt.datetime.now(dt.UTC)
    return str(when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))


async def iter_ocds(sessionmaker: async_sessionmaker[AsyncSession], *,
                    datasets: Sequence[str] | None = None, lines: bool = False,
                    uri: str = DEFAULT_URI,
                    counts: ExportCounts | None = None) -> AsyncIterator[str]:
    """The export as text chunks. Opens its own session, so it can run after the request's
    session is gone (streaming HTTP)."""
    counts = counts if counts is not None else ExportCounts()
    async with sessionmaker() as session:
        if lines:
            async for record in _records(session, datasets, counts):
                yield record + "\n"
            return
        header = {
            "uri": uri, "version": "1.1",
            "publishedDate": await published_date(session, datasets),
            "publisher": {"name": PUBLISHER_NAME},
        }
        head = json.dumps(header, ensure_ascii=False)[:-1]
        yield head + ', "records": [\n'
        first = True
        async for record in _records(session, datasets, counts):
            yield record if first else ",\n" + record
            first = False
        yield "\n]}\n"


def _open(path: Path, compress: bool) -> IO[str]:
    if compress:
        return gzip.open(path, "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


async def export_ocds(sessionmaker: async_sessionmaker[AsyncSession], out: Path, *,
                      datasets: Sequence[str] | None = None, lines: bool | None = None,
                      uri: str = DEFAULT_URI) -> ExportCounts:
    """Write the export to ``out`` (``.jsonl`` / ``.jsonl.gz`` → JSON Lines of records,
    otherwise a record package; ``.gz`` is compressed) and its manifest next to it."""
    from registry.exports.manifest import write_manifest

    if lines is None:
        lines = ".jsonl" in out.suffixes
    counts = ExportCounts()
    tmp = out.with_name(out.name + ".partial")
    with _open(tmp, out.suffix == ".gz") as fh:
        async for chunk in iter_ocds(sessionmaker, datasets=datasets, lines=lines, uri=uri,
                                     counts=counts):
            fh.write(chunk)
    tmp.replace(out)  # a reader never sees half a dump under the final name
    write_manifest(out, format="ocds-jsonl" if lines else "ocds-record-package",
                   counts={"records": counts.records, "releases": counts.releases},
                   datasets=sorted(counts.datasets),
                   extra={"ocds_version": "1.1", "generator_version": __version__})
    return counts
