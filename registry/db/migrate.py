"""Run the Alembic migrations in ``migrations/`` programmatically."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

from .engine import normalise_url

# New migrations are named by revision, so the directory lists them in the order they run:
# ``command.revision(cfg, "ocds import speed", rev_id="0012")`` writes
# ``0012_ocds_import_speed.py``. Alembic's default, said out loud so that nobody sets a dated
# one again; alembic.ini says the same for the ``alembic`` command.
FILE_TEMPLATE = "%%(rev)s_%%(slug)s"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Upgrade to every head: feature branches of the migration graph may run side by side.

    Callable with or without a running event loop: ``migrations/env.py`` runs the async
    engine in an event loop of its own (``asyncio.run``), which cannot start inside another,
    so a caller inside a loop (a command's coroutine that resolves the database late) has the
    migrations run on a thread of their own and waits for them."""
    cfg = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(cfg, revision)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migrate") as pool:
        pool.submit(command.upgrade, cfg, revision).result()
