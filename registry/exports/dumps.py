"""Native dumps of the public tables: ``jsonl`` (one ``{"table", "row"}`` object a line) and
``csv`` (one file a table, zipped). Both stream in constant memory: CSV through PostgreSQL's
``COPY``, JSON Lines through a server-side cursor with the JSON built by PostgreSQL."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.db.driver import connection_driver

from .tables import PUBLIC_TABLES, TABLES_BY_NAME, PublicTable

CURSOR_PREFETCH = 5_000


async def _driver(session: AsyncSession) -> Any:
    if session.in_transaction():
        conn = await session.connection()
    else:
        # One snapshot for the whole dump: tables stay consistent with each other meanwhile.
        conn = await session.connection(
            execution_options={"isolation_level": "REPEATABLE READ"})
    # Server-side cursors need the transaction open now.
    return await connection_driver(conn)


def jsonl_sql(table: PublicTable) -> str:
    """One ``{"table", "row"}`` JSON text a row of ``table``."""
    return (f"SELECT json_build_object('table', '{table.name}', 'row', row_to_json(t))::text "
            f"FROM ({table.sql}) t")


async def iter_jsonl(session: AsyncSession, tables: tuple[PublicTable, ...] = PUBLIC_TABLES,
                     counts: dict[str, int] | None = None) -> AsyncIterator[bytes]:
    driver = await _driver(session)
    for table in tables:
        sql = jsonl_sql(table)
        n = 0
        batch: list[str] = []
        async for record in driver.cursor(sql, prefetch=CURSOR_PREFETCH):
            batch.append(record[0])
            n += 1
            if len(batch) >= CURSOR_PREFETCH:
                yield ("\n".join(batch) + "\n").encode()
                batch = []
        if batch:
            yield ("\n".join(batch) + "\n").encode()
        if counts is not None:
            counts[table.name] = n


# A cell starting with one of these is a formula to a spreadsheet (CSV injection): such text
# is published behind a leading apostrophe, which spreadsheets show as text (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TEXT_TYPES = {"text", "varchar", "bpchar", "name"}
_STARTS_SQL = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)


async def _csv_sql(driver: Any, table: PublicTable) -> str:
    """The table's query with every text column neutralised for spreadsheets (numbers,
    dates and JSON are left as COPY writes them)."""
    statement = await driver.prepare(f"SELECT * FROM ({table.sql}) t LIMIT 0")
    columns = []
    for attribute in statement.get_attributes():
        name = '"' + attribute.name.replace('"', '""') + '"'
        if attribute.type.name in _TEXT_TYPES:
            columns.append(f"CASE WHEN left(t.{name}, 1) IN ({_STARTS_SQL}) "
                           f"THEN chr(39) || t.{name} ELSE t.{name} END AS {name}")
        else:
            columns.append(f"t.{name}")
    return f"SELECT {', '.join(columns)} FROM ({table.sql}) t"


async def iter_csv(session: AsyncSession, table: PublicTable,
                   counts: dict[str, int] | None = None) -> AsyncIterator[bytes]:
    """One table as CSV with a header, straight from ``COPY ... TO STDOUT``; text cells
    that a spreadsheet would run as a formula are neutralised (:data:`FORMULA_STARTS`)."""
    driver = await _driver(session)
    sql = await _csv_sql(driver, table)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=64)

    async def sink(chunk: bytes) -> None:
        await queue.put(bytes(chunk))

    async def produce() -> str:
        try:
            status: str = await driver.copy_from_query(sql, output=sink, format="csv",
                                                       header=True)
            return status
        finally:
            await queue.put(None)

    task = asyncio.create_task(produce())
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        status = await task
    finally:
        if not task.done():
            task.cancel()
    if counts is not None:
        counts[table.name] = int(status.split()[-1])


async def write_jsonl(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with sessionmaker() as session:
        with out.open("wb") as fh:
            async for chunk in iter_jsonl(session, counts=counts):
                fh.write(chunk)
    return counts


async def write_csv_zip(sessionmaker: async_sessionmaker[AsyncSession],
                        out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with sessionmaker() as session:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for table in PUBLIC_TABLES:
                with zf.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                    async for chunk in iter_csv(session, table, counts):
                        member.write(chunk)
    return counts


def table_named(name: str) -> PublicTable | None:
    return TABLES_BY_NAME.get(name)
