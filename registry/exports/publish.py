"""``registry publish``: a dated snapshot directory holding every public format.

One run writes, into a hidden temporary directory beside the published ones:

- ``csv/{table}.csv``: one file a public table (PostgreSQL ``COPY``), described by
  ``datapackage.json`` (Frictionless: fields, types, keys, licence, sources);
- ``registry.jsonl`` (native ``{"table", "row"}`` lines), ``registry.ftm.json``
  (FollowTheMoney), ``bods.json`` (BODS 0.4 statements, a JSON array),
  ``ocds-records.json`` (an OCDS 1.1 record package), ``links.jsonl`` (public links: auto
  and confirmed);
- ``manifest.json``: every file with its size and SHA-256, the counts, and the change-feed
  cursor the snapshot is consistent with.

The writers are the existing exports, each on its own session, but every session imports one
snapshot (``pg_export_snapshot``) held by the run: all files describe the same moment. The
directory is renamed into place when complete, so a reader never sees half a snapshot; then
``latest`` is repointed and all but the ``keep`` newest snapshots are removed. Every writer
streams, so memory does not grow with the register.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from registry.changes.feed import snapshot_cursor
from registry.changes.retention import trim_changes
from registry.db.driver import session_driver
from registry.db.engine import make_engine, sessions
from registry.settings import Settings

from .bods import BODS_VERSION, export_datasets
from .bulk_bods import write_bods_array
from .bulk_ftm import write_ftm_lines
from .copy_lines import copy_lines
from .datapackage import datapackage, table_columns
from .dumps import iter_csv, jsonl_sql
from .manifest import DEFAULT_LICENCE, file_entry, manifest_path, provenance, write_json
from .ocds import export_ocds
from .tables import PUBLIC_TABLES

SNAPSHOT_NAME = re.compile(r"^\d{8}T\d{6}Z$")
MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
LATEST = "latest"
PUBLIC_LINK_STATUSES = ("auto", "confirmed")

# What each file is, for the manifest and the download pages.
FORMATS = {
    "registry.jsonl": "jsonl",
    "registry.ftm.json": "ftm",
    "bods.json": "bods-0.4-json",
    "ocds-records.json": "ocds-1.1-record-package",
    "links.jsonl": "links",
    DATAPACKAGE: "frictionless-datapackage",
}

Progress = Callable[[str], object]
# Format writers running at once (each one connection, mostly PostgreSQL's CPU).
WRITERS = 3


def snapshots(root: Path) -> list[Path]:
    """Published snapshots, newest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir()
             if p.is_dir() and not p.is_symlink() and SNAPSHOT_NAME.match(p.name)
             and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def latest(root: Path) -> Path | None:
    found = snapshots(root)
    return found[0] if found else None


def read_manifest(snapshot: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((snapshot / MANIFEST).read_text())
    return manifest


def _snapshot_sessionmaker(engine: Any, snapshot_id: str) -> async_sessionmaker[AsyncSession]:
    """Sessions whose every transaction reads the exported snapshot ``snapshot_id``."""
    session_class = type("SnapshotSession", (Session,), {})

    @event.listens_for(session_class, "after_begin")
    def _import_snapshot(session: Session, transaction: Any, connection: Any) -> None:
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
        connection.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")

    repeatable = engine.execution_options(isolation_level="REPEATABLE READ")
    return async_sessionmaker(repeatable, expire_on_commit=False,
                              sync_session_class=session_class)


async def _write_csvs(sessionmaker: async_sessionmaker[AsyncSession], folder: Path,
                      counts: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    _mkdir(folder)
    columns: dict[str, list[tuple[str, str]]] = {}
    async with sessionmaker() as session:
        driver = await session_driver(session)
        for table in PUBLIC_TABLES:
            columns[table.name] = await table_columns(driver, table)
            table_counts: dict[str, int] = {}
            with (folder / f"{table.name}.csv").open("wb") as fh:
                async for chunk in iter_csv(session, table, table_counts):
                    fh.write(chunk)
            counts[f"csv/{table.name}"] = table_counts[table.name]
    return columns


async def _write_bods(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> dict[str, int]:
    """A JSON array of statements, the standard's publication form (and the API's), built
    by PostgreSQL (:mod:`registry.exports.bulk_bods`)."""
    async with sessionmaker() as session:
        exporter = await export_datasets(session, None)
        with out.open("wb") as fh:
            return await write_bods_array(await session_driver(session), exporter, fh)


async def _write_ftm(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> dict[str, int]:
    async with sessionmaker() as session:
        with out.open("wb") as fh:
            return await write_ftm_lines(await session_driver(session), fh)


async def _write_jsonl(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> None:
    async with sessionmaker() as session:
        driver = await session_driver(session)
        with out.open("wb") as fh:
            for table in PUBLIC_TABLES:
                await copy_lines(driver, jsonl_sql(table), fh)


async def _write_links(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> int:
    from registry.links.export import export_links

    async with sessionmaker() as session:
        counts = await export_links(session, out, PUBLIC_LINK_STATUSES)
    manifest_path(out).unlink()  # the snapshot's one manifest covers it
    return counts["links"]


async def _datasets(sessionmaker: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessionmaker() as session:
        rows = await session.execute(text(
            "SELECT name, title, licence, url FROM datasets ORDER BY name"))
        return [dict(r._mapping) for r in rows]


async def publish(database_url: str, root: Path, *, keep: int = 3,
                  progress: Progress | None = None,
                  changes_keep_days: int | None = None,
                  writers: int = WRITERS) -> Path:
    """Write a snapshot under ``root`` and return its directory; then trim the change feed
    to ``changes_keep_days`` (default: ``REGISTRY_CHANGES_KEEP_DAYS``): a client that fell
    further behind resyncs from this snapshot."""
    say = progress or (lambda _: None)
    _mkdir(root)
    name = _snapshot_name()
    now = dt.datetime.strptime(name, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    tmp = root / f".{name}.{uuid.uuid4().hex[:8]}.partial"
    _mkdir(tmp)
    try:
        manifest = await _write_all(database_url, tmp, name=name, now=now, say=say,
                                    writers=writers)
        final = root / name
        if final.exists():  # two runs in the same second: keep the first
            raise FileExistsError(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(root, final)
    _prune(root, keep)
    if changes_keep_days is None:
        changes_keep_days = Settings.from_env().changes_keep_days
    trimmed = await _trim_feed(database_url, changes_keep_days)
    if trimmed:
        say(f"change feed: {trimmed:,} rows older than {changes_keep_days} days removed")
    say(f"published {final} ({sum(f['bytes'] for f in manifest['files']):,} bytes)")
    return final


async def _trim_feed(database_url: str, keep_days: int) -> int:
    async with sessions(database_url) as sessionmaker, sessionmaker.begin() as session:
        return await trim_changes(session, keep_days)


async def _run_writers(sessionmaker: async_sessionmaker[AsyncSession], out: Path, say: Progress,
                       writers: int) -> dict[str, Any]:
    """Every format's writer, ``writers`` at a time, each on its own connection (all read
    the same snapshot): PostgreSQL builds the lines, so writers in parallel use the
    server's cores rather than wait for one."""
    limit = asyncio.Semaphore(max(writers, 1))
    csv_counts: dict[str, int] = {}

    async def ocds() -> Any:
        counts = await export_ocds(sessionmaker, out / "ocds-records.json")
        manifest_path(out / "ocds-records.json").unlink()
        return counts

    jobs: dict[str, Callable[[], Awaitable[Any]]] = {
        "bods": lambda: _write_bods(sessionmaker, out / "bods.json"),
        "ftm": lambda: _write_ftm(sessionmaker, out / "registry.ftm.json"),
        "jsonl": lambda: _write_jsonl(sessionmaker, out / "registry.jsonl"),
        "csv": lambda: _write_csvs(sessionmaker, out / "csv", csv_counts),
        "ocds": ocds,
        "links": lambda: _write_links(sessionmaker, out / "links.jsonl"),
    }

    async def run(name: str) -> Any:
        async with limit:
            started = time.perf_counter()
            result = await jobs[name]()
            say(f"{name}: {time.perf_counter() - started:.2f} s")
            return result

    try:
        async with asyncio.TaskGroup() as group:  # one failing cancels the others
            tasks = {name: group.create_task(run(name)) for name in jobs}
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None  # the writer's own error, as when run alone
    return {**{name: task.result() for name, task in tasks.items()}, "csv_counts": csv_counts}


async def _write_all(database_url: str, out: Path, *, name: str, now: dt.datetime,
                     say: Progress, writers: int = 1) -> dict[str, Any]:
    counts: dict[str, int] = {}
    engine = make_engine(database_url)
    try:
        async with engine.connect() as holder:
            await holder.execution_options(isolation_level="REPEATABLE READ")
            snapshot_id = await holder.scalar(text("SELECT pg_export_snapshot()"))
            cursor = await snapshot_cursor(holder)
            sessionmaker = _snapshot_sessionmaker(engine, str(snapshot_id))
            results = await _run_writers(sessionmaker, out, say, writers)
            columns = results["csv"]
            counts.update(results["csv_counts"])
            counts.update({f"ftm/{k}": v for k, v in results["ftm"].items()})
            counts.update({f"bods/{k}": v for k, v in results["bods"].items()})
            counts.update({"ocds/records": results["ocds"].records,
                           "ocds/releases": results["ocds"].releases})
            counts["links"] = results["links"]
            sources = await _datasets(sessionmaker)
            await holder.rollback()
    finally:
        await engine.dispose()
    say("checksums")
    return _describe(out, name=name, now=now, counts=counts, columns=columns, cursor=cursor,
                     sources=sources)


def _snapshot_name() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _mkdir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _describe(out: Path, *, name: str, now: dt.datetime, counts: dict[str, int],
              columns: dict[str, list[tuple[str, str]]], cursor: str,
              sources: list[dict[str, Any]]) -> dict[str, Any]:
    """Checksums, ``datapackage.json`` and ``manifest.json`` of the written files."""
    files = {rel: file_entry(path, rel) for path in sorted(p for p in out.rglob("*") if p.is_file())
             for rel in [path.relative_to(out).as_posix()]}
    created = now.isoformat().replace("+00:00", "Z")
    package = datapackage(
        "transparency-registry", title=f"Transparency Registry snapshot {name}",
        created=created, licence=DEFAULT_LICENCE, columns=columns,
        files={t: {**_as_resource(files[f"csv/{t}.csv"]), "rows": counts[f"csv/{t}"]}
               for t in columns},
        sources=sources)
    files[DATAPACKAGE] = file_entry(write_json(out / DATAPACKAGE, package), DATAPACKAGE)
    manifest = {
        "snapshot": name,
        **provenance(created),
        "bodsVersion": BODS_VERSION,
        "ocdsVersion": "1.1",
        # Follow /api/v1/changes?since=<this> to stay current after loading the snapshot;
        # a change the snapshot already holds may come again (an upsert: harmless).
        "changes_cursor": cursor,
        "datasets": [s["name"] for s in sources],
        "counts": counts,
        "files": [{"name": rel, "format": FORMATS.get(rel, "csv" if rel.startswith("csv/")
                                                      else "other"),
                   "bytes": f["bytes"], "sha256": f["sha256"]}
                  for rel, f in sorted(files.items())],
    }
    write_json(out / MANIFEST, manifest)
    return manifest


def _as_resource(entry: dict[str, Any]) -> dict[str, Any]:
    """A manifest's file entry as the data package describes a resource's file."""
    return {"path": entry["name"], "bytes": entry["bytes"], "sha256": entry["sha256"]}


def _point_latest(root: Path, snapshot: Path) -> None:
    """``root/latest`` → the new snapshot, swapped in one rename (for rsync/HTTP mirrors)."""
    link = root / f".{LATEST}.{uuid.uuid4().hex[:8]}"
    try:
        link.symlink_to(snapshot.name, target_is_directory=True)
        os.replace(link, root / LATEST)
    except OSError:  # no symlinks here: the newest directory is found by name anyway
        link.unlink(missing_ok=True)


def _prune(root: Path, keep: int) -> None:
    for old in snapshots(root)[max(keep, 1):]:
        shutil.rmtree(old, ignore_errors=True)
