"""FollowTheMoney entities as plain dicts, checked against FtM's own schema definitions.

The ``followthemoney`` package cannot be installed from wheels alone (4.x needs PyICU
through normality 3; 3.x pins ``stringcase``, which has no wheel), so the few schemata the
registry writes are built here: ``ftm_schema.json`` holds their properties and types,
generated from followthemoney 4.11's ``schema/*.yaml`` (MIT) with inherited properties
resolved. Ids are ``make_entity_id``'s (SHA-1 over the parts), so they did not change when
the package went.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

_SCHEMA_FILE = Path(__file__).with_name("ftm_schema.json")


@functools.cache
def schemata() -> dict[str, dict[str, str]]:
    """Schema name -> {property: FtM type}."""
    data = json.loads(_SCHEMA_FILE.read_text(encoding="utf-8"))
    return {name: spec["properties"] for name, spec in data["schemata"].items()}


def make_entity_id(*parts: Any) -> str:
    """followthemoney.util.make_entity_id: SHA-1 of the parts' UTF-8 text, in order."""
    digest = hashlib.sha1()  # noqa: S324  (an id, not a secret; FtM's own choice)
    for part in parts:
        digest.update(b"" if part is None else str(part).encode("utf-8"))
    return digest.hexdigest()


def _clean(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10] if kind == "date" else value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    if kind == "country":
        return text.lower() if len(text) == 2 and text.isalpha() else None
    if kind == "date":
        return text[:10] if text[:4].isdigit() else None
    return text


class Entity:
    """One FtM entity being built: ``add`` checks the property exists in the schema and
    cleans the value by its type (dates to ISO days, countries to lower-case ISO codes)."""

    def __init__(self, schema: str, entity_id: str) -> None:
        self.schema = schema
        self.id = entity_id
        self._props = schemata()[schema]
        self.properties: dict[str, list[str]] = {}

    def add(self, prop: str, values: Any) -> None:
        kind = self._props.get(prop)
        if kind is None:
            raise KeyError(f"{self.schema} has no property {prop!r}")
        for value in values if isinstance(values, list | tuple) else [values]:
            cleaned = _clean(kind, value)
            if cleaned is not None and cleaned not in self.properties.get(prop, []):
                self.properties.setdefault(prop, []).append(cleaned)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "properties": self.properties}
