"""The OCDS 1.1 schemas shipped with the package, and validators that never go online.

The package schemas refer to the release schema by its canonical URL; a ``referencing``
registry maps every canonical URL to the bundled file, so validation works offline.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILES = ("release-schema.json", "release-package-schema.json",
                "record-package-schema.json")


def schema_path(name: str = "release-schema.json") -> Path:
    """A real file path (ocdsmerge reads the release schema from a path)."""
    return Path(str(resources.files("registry.standards.ocds_1_1").joinpath(name)))


@cache
def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_path(name).read_text("utf-8"))
    return schema


@cache
def _registry() -> Registry[Any]:
    resources_ = []
    for name in SCHEMA_FILES:
        schema = load_schema(name)
        resource = Resource.from_contents(schema, default_specification=DRAFT4)
        resources_.append((schema["id"], resource))
    registry: Registry[Any] = Registry().with_resources(resources_)
    return registry


@cache
def validator(name: str) -> Draft4Validator:
    """A draft 4 validator for one of ``SCHEMA_FILES``, with ``format`` checks on."""
    return Draft4Validator(load_schema(name), registry=_registry(),
                           format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(document: Any, name: str) -> list[str]:
    """Every schema error, as ``path: message`` lines (empty when the document is valid)."""
    out = []
    for error in sorted(validator(name).iter_errors(document), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(f"{where}: {error.message[:300]}")
    return out
