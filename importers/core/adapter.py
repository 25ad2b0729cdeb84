"""The small protocol every source adapter follows, so commands, the demo and the benchmarks
drive any import the same way: ``import_<source>(database_url, paths, *, dataset=...,
resume=..., <source options>)`` runs one import run (``importers/core/runs.py``: resumable,
idempotent, a bad record skipped and reported) and returns a :class:`Report`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol


class Report(Protocol):
    """What an import returns: the summary a command prints, and the import run whose
    entities are linked afterwards (``None`` when nothing was run)."""

    @property
    def run_id(self) -> int | None: ...

    def render(self) -> str: ...


class Import(Protocol):
    """An adapter's entry point (its source options, all with defaults, may follow)."""

    def __call__(self, database_url: str, paths: list[str], *, dataset: str,
                 resume: bool) -> Awaitable[Report]: ...
