"""migrations/sql/current/*.sql hold every SQL function and trigger of our schema as the
database has them after the migrations: this test keeps the two the same.

The database after ``upgrade head`` is the truth. Inside a transaction that is rolled back,
every function of ours is dropped (and with it every trigger, which depends on one), the
files are executed, and what PostgreSQL then reports (pg_get_functiondef, pg_get_triggerdef)
must be what it reported before, object for object. So a migration that changes a function
without the file fails, a file edited without a migration fails, and so does a function or
trigger that is in one and not the other. PostgreSQL re-renders each definition itself, so
only the bodies' whitespace can differ, and runs of it are compared as one space."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

CURRENT = Path(__file__).resolve().parent.parent / "migrations" / "sql" / "current"

# Ours: in public and not an extension's (pg_trgm, unaccent, ... live there too).
FUNCTIONS = """
SELECT p.oid, p.proname, pg_get_function_identity_arguments(p.oid) AS args,
       pg_get_functiondef(p.oid) AS definition
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
"""
TRIGGERS = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid, true) AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT t.tgisinternal
"""


async def _definitions(conn: Any) -> dict[str, str]:
    found = {f"function {r['proname']}({r['args']})": r["definition"]
             for r in await conn.fetch(FUNCTIONS)}
    found.update({f"trigger {r['tgname']} on {r['relname']}": r["definition"]
                  for r in await conn.fetch(TRIGGERS)})
    return found


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip() == re.sub(r"\s+", " ", b).strip()


def _disagreements(migrated: dict[str, str], files: dict[str, str]) -> list[str]:
    out = [f"{name}: defined by the migrations, in no file of {CURRENT}"
           for name in sorted(migrated.keys() - files.keys())]
    out += [f"{name}: in {CURRENT}, not defined by the migrations"
            for name in sorted(files.keys() - migrated.keys())]
    for name in sorted(migrated.keys() & files.keys()):
        if not _same(migrated[name], files[name]):
            diff = difflib.unified_diff(migrated[name].splitlines(), files[name].splitlines(),
                                        "after the migrations", "from the files", lineterm="")
            out.append(f"{name} differs:\n" + "\n".join(diff))
    return out


async def test_the_current_sql_files_are_what_the_migrations_made(
        session: AsyncSession) -> None:
    conn: Any = (await (await session.connection()).get_raw_connection()).driver_connection
    migrated = await _definitions(conn)
    assert any(name.startswith("trigger ") for name in migrated)
    transaction = conn.transaction()
    await transaction.start()
    try:
        # Bodies are checked when they run, not now: the files may then come in any order,
        # as pg_dump restores them.
        await conn.execute("SET LOCAL check_function_bodies = off")
        for row in await conn.fetch(FUNCTIONS):
            await conn.execute(f"DROP FUNCTION {row['proname']}({row['args']}) CASCADE")
        assert await _definitions(conn) == {}
        for path in sorted(CURRENT.glob("*.sql")):
            await conn.execute(path.read_text(encoding="utf-8"))
        files = await _definitions(conn)
    finally:
        await transaction.rollback()
    assert await _definitions(conn) == migrated
    problems = _disagreements(migrated, files)
    assert not problems, "\n\n".join(problems)


def test_the_files_name_the_migrations_that_last_defined_them() -> None:
    versions = {p.name for p in (CURRENT.parent.parent / "versions").glob("*.py")}
    files = sorted(CURRENT.glob("*.sql"))
    assert files
    for path in files:
        named = re.findall(r"last defined by migration \d{4} \((\S+\.py)\)", path.read_text())
        assert named and set(named) <= versions, path.name
