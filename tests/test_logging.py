"""Log lines: ``search/`` logs through the standard library (it knows nothing of the
registry), and its lines come out as the registry's structlog lines do."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import structlog

from registry.logging import configure_logging, get_logger


def _lines(err: str) -> list[dict[str, Any]]:
    out = []
    for line in err.splitlines():
        event = json.loads(line)
        event.pop("timestamp")
        out.append(event)
    return out


def test_search_lines_come_out_as_structlog_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO", json=True)
        get_logger("search").warning("search_fallback", backend="postgres", outage=True,
                                     error="ConnectionError: refused", token="t")
        logging.getLogger("search.factory").warning("search_fallback", extra={
            "backend": "postgres", "outage": True, "error": "ConnectionError: refused",
            "token": "t"})
        logging.getLogger("search.sync").debug("search_sync_batch", extra={"entities": 3})
        logging.getLogger("example_library").info("Started", extra={"color_message": "x"})
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()
    native, stdlib, other = _lines(capsys.readouterr().err)
    assert native == stdlib == {"event": "search_fallback", "backend": "postgres",
                                "outage": True, "error": "ConnectionError: refused",
                                "token": "[redacted]", "level": "warning"}
    assert list(native) == list(stdlib)  # the same order of keys too
    # Below the level: left out, as structlog's filtering logger leaves it out; another
    # library's extras (uvicorn's color_message) stay out of the line.
    assert other == {"event": "Started", "level": "info"}
