"""Helpers for the BODS tests: the standard's offline files, and libcovebods as the reference
validator (schema validation only: its additional checks would look org-ids up online)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest


def standards_dir() -> Path:
    """``../shared/standards`` next to the checkout (or ``REGISTRY_STANDARDS_DIR``)."""
    env = os.environ.get("REGISTRY_STANDARDS_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "standards"
        if candidate.is_dir():
            return candidate
    pytest.skip("the shared standards directory (../shared/standards) is not here")


def libcove_errors(path: Path) -> list[Any]:
    """libcovebods' JSON-schema errors for a BODS JSON array file."""
    from libcovebods.data_reader import DataReader
    from libcovebods.jsonschemavalidate import JSONSchemaValidator
    from libcovebods.schema import SchemaBODS

    reader = DataReader(str(path))
    schema = SchemaBODS(reader)
    errors: list[Any] = JSONSchemaValidator(schema).validate(reader)
    return errors


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
    return path
