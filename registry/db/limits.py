"""Time and connection limits of the served API, so that no caller holds the database.

Requests share the main pool; each statement may run ``STATEMENT_TIMEOUT`` and a transaction
may sit idle ``IDLE_IN_TRANSACTION_TIMEOUT`` before PostgreSQL ends it. Streaming exports
read for as long as their client does, so they take their connections from a pool of their
own, ``EXPORT_CONNECTIONS`` large: slow readers queue behind each other there (``503`` with
``Retry-After`` once it is full) and never starve the other requests. A reader that stops
reading for longer than the idle timeout loses its transaction, and its download ends.
Commands (imports, exports to files) are not limited: only ``create_app`` applies these.
"""

from __future__ import annotations

from typing import Any

STATEMENT_TIMEOUT_MS = 30_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
EXPORT_CONNECTIONS = 4
EXPORT_POOL_TIMEOUT_S = 5.0
EXPORT_STATEMENT_TIMEOUT_MS = 120_000  # one batch of a server-side cursor
EXPORT_RETRY_AFTER_S = 30


def _server_settings(statement_ms: int, idle_ms: int) -> dict[str, Any]:
    return {"connect_args": {"server_settings": {
        "statement_timeout": str(statement_ms),
        "idle_in_transaction_session_timeout": str(idle_ms)}}}


def request_engine_options() -> dict[str, Any]:
    return {**_server_settings(STATEMENT_TIMEOUT_MS, IDLE_IN_TRANSACTION_TIMEOUT_MS),
            "pool_timeout": 10.0}


def export_engine_options() -> dict[str, Any]:
    return {**_server_settings(EXPORT_STATEMENT_TIMEOUT_MS, IDLE_IN_TRANSACTION_TIMEOUT_MS),
            "pool_size": EXPORT_CONNECTIONS, "max_overflow": 0,
            "pool_timeout": EXPORT_POOL_TIMEOUT_S}
