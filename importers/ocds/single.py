"""The compiled release of a process that has a single release, without ocdsmerge's
flatten/unflatten round trip (a third of the cost of compiling).

``ocdsmerge`` flattens the release into paths, then rebuilds an object from them. For one
release that round trip amounts to the rules below, applied in a single walk, and
``tests/test_ocds_single.py`` checks the result equals ``create_compiled_release([release])``
over varied releases:
- the compiled release is ``tag: ["compiled"]``, ``id: "{ocid}-{date}"``, ``date``, ``ocid``
  and the release's other fields (``id``, ``date`` and ``tag`` are ``omitWhenMerged``);
- a field whose rule is ``omitWhenMerged`` is dropped; one that is ``wholeListMerge``, a
  scalar, or an array holding anything but objects is kept as is, except ``null``;
- an empty object or array disappears; an object whose fields are all ``null`` remains as
  ``{}`` (ocdsmerge creates it for the paths below it, then drops the nulls);
- an array of objects keeps, in order, the objects that yield anything.
Anything ocdsmerge would handle in a way these rules do not cover (two objects of an array
with the same ``id``, which it merges; an ``id`` that is not a string or a number) makes
``compile_single`` return None, and the caller uses ocdsmerge.
"""

from __future__ import annotations

from typing import Any

from ocdsmerge.rules import MergeRules

_SKIP = object()  # a field that yields nothing in the compiled release


class _Unsupported(Exception):
    pass


def compile_single(release: dict[str, Any], rules: MergeRules) -> dict[str, Any] | None:
    """``Merger(merge_rules=rules).create_compiled_release([release])``, or None when this
    release needs ocdsmerge itself."""
    ocid, date = release.get("ocid"), release.get("date")
    try:
        fields = _object({k: v for k, v in release.items() if k != "tag"}, (), rules)
    except _Unsupported:
        return None
    # As ocdsmerge's CompiledRelease: these first, then the release's own fields over them
    # (``id`` and ``date`` are omitWhenMerged in OCDS 1.1), then nulls dropped.
    out: dict[str, Any] = {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date,
                           "ocid": ocid}
    if fields is not _SKIP:
        out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def _object(obj: dict[str, Any], rule_path: tuple[str, ...], rules: MergeRules) -> Any:
    """The compiled object, or _SKIP when nothing in it reaches the compiled release."""
    out: dict[str, Any] = {}
    found = False
    for key, value in obj.items():
        path = (*rule_path, key)
        rule = rules.get(path)
        if rule == "omitWhenMerged":
            continue
        if (rule == "wholeListMerge" or not isinstance(value, dict | list)
                or (type(value) is list and any(not isinstance(v, dict) for v in value))):
            found = True
            if value is not None:
                out[key] = value
        elif value:
            if isinstance(value, list):
                child = _array(value, path, rules)
            else:
                child = _object(value, path, rules)
            if child is not _SKIP:
                found = True
                out[key] = child
    return out if found else _SKIP


def _array(items: list[dict[str, Any]], rule_path: tuple[str, ...], rules: MergeRules) -> Any:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        if "id" in item:
            ident = item["id"]
            if isinstance(ident, bool) or not isinstance(ident, str | int):
                raise _Unsupported  # ocdsmerge keys objects by str(id): None, 1.0, {...}
            if str(ident) in seen:
                raise _Unsupported  # ocdsmerge merges objects that share an id
            seen.add(str(ident))
        child = _object(item, rule_path, rules)
        if child is not _SKIP:
            if "id" in item:  # ocdsmerge sets it on the object it creates, whatever the rules
                child["id"] = item["id"]
            out.append(child)
    return out if out else _SKIP
