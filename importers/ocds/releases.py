"""OCDS input, whatever the packaging: releases out of packages and records, and the checks
that decide whether a release is usable.

The checks are the ones the registry relies on (an ``ocid``, an ``id``, a parseable ``date``,
and the right JSON types where values are read); full OCDS schema validation is optional
(``--validate``) because real publications often break the schema in harmless places and
validating costs more than importing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any


def releases_of(value: Any) -> Iterator[tuple[str, Any]]:
    """The releases inside one input value, each with a position suffix ("" for itself).

    A value may be a release, a record (its embedded ``releases``; its ``compiledRelease``
    only when it embeds none, e.g. when it only links to them), or a whole release or record
    package that sat in a JSON array.
    """
    if isinstance(value, dict):
        if "ocid" not in value and isinstance(value.get("records"), list):
            for n, record in enumerate(value["records"], start=1):
                for sub, release in releases_of(record):
                    yield f"records item {n}{' ' + sub if sub else ''}", release
            return
        if isinstance(value.get("releases"), list):
            if "ocid" not in value:  # a release package
                for n, release in enumerate(value["releases"], start=1):
                    yield f"releases item {n}", release
                return
            yield from _record_releases(value)
            return
        if "ocid" in value and "compiledRelease" in value:  # a record without releases
            yield from _record_releases(value)
            return
    yield "", value


def _record_releases(record: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    ocid = record.get("ocid")
    embedded = [(n, r) for n, r in enumerate(record.get("releases") or [], start=1)
                if isinstance(r, dict) and "id" in r]
    if embedded:
        for n, release in embedded:
            if "ocid" not in release and ocid is not None:
                release = {**release, "ocid": ocid}
            yield f"releases item {n}", release
    elif isinstance(record.get("compiledRelease"), dict):
        compiled = record["compiledRelease"]
        if "ocid" not in compiled and ocid is not None:
            compiled = {**compiled, "ocid": ocid}
        yield "compiledRelease", compiled
    else:
        yield "", record  # neither: check_release says why it is unusable


def parse_datetime(value: Any) -> dt.datetime | None:
    """An OCDS date-time (or a bare date) as an aware datetime; None when absent or unreadable.

    A value without an offset is taken as UTC, as OCDS publishers nearly always mean.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(str(value))


def _obj(release: dict[str, Any], *path: str) -> Any:
    node: Any = release
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _check_value(where: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"wrong type: {where} is not an object"
    a = value.get("amount")
    if a is not None and (isinstance(a, bool) or not isinstance(a, int | float)):
        return f"not a number: {where}.amount is {a!r:.60}"
    return None


def _check_list(where: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return f"wrong type: {where} is not an array of objects"
    return None


def _check_id(where: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return None
    return f"wrong type: {where} is not a string"


def check_release(release: Any) -> str | None:
    """Why this release cannot be imported (``"category: detail"``), or None if it can."""
    if not isinstance(release, dict):
        return f"not a release: expected a JSON object, got {type(release).__name__}"
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        return "missing field: ocid"
    rid = release.get("id")
    if rid is None or rid == "":
        return "missing field: id"
    if (problem := _check_id("id", rid)) is not None:
        return problem
    date = release.get("date")
    if date is None:
        return "missing field: date"
    if parse_datetime(date) is None:
        return f"invalid date: date is {date!r:.60}"
    for key in ("buyer", "tender", "planning"):
        if release.get(key) is not None and not isinstance(release[key], dict):
            return f"wrong type: {key} is not an object"
    for key in ("parties", "awards", "contracts"):
        if (problem := _check_list(key, release.get(key))) is not None:
            return problem
    for n, party in enumerate(release.get("parties") or []):
        if (problem := _check_id(f"parties[{n}].id", party.get("id"))) is not None:
            return problem
        roles = party.get("roles")
        if roles is not None and (not isinstance(roles, list)
                                  or not all(isinstance(r, str) for r in roles)):
            return f"wrong type: parties[{n}].roles is not an array of strings"
    checks: list[tuple[str, Any]] = [("tender.value", _obj(release, "tender", "value"))]
    if (problem := _check_list("tender.tenderers", _obj(release, "tender", "tenderers"))):
        return problem
    for n, award in enumerate(release.get("awards") or []):
        if (problem := _check_id(f"awards[{n}].id", award.get("id"))) is not None:
            return problem
        if (problem := _check_list(f"awards[{n}].suppliers", award.get("suppliers"))):
            return problem
        checks.append((f"awards[{n}].value", award.get("value")))
    for n, contract in enumerate(release.get("contracts") or []):
        if (problem := _check_id(f"contracts[{n}].id", contract.get("id"))) is not None:
            return problem
        checks.append((f"contracts[{n}].value", contract.get("value")))
    for where, value in checks:
        if (problem := _check_value(where, value)) is not None:
            return problem
    return None
