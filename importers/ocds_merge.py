"""The compiled release of a process with several releases, without ocdsmerge's
flatten/unflatten round trip (which was about 40% of the CPU of compiling).

``ocdsmerge`` flattens every release into a dict of JSON paths, updates one dict with the
next (a later value replaces an earlier one and keeps its position; a path is keyed through
arrays by the ``id`` of their objects), then rebuilds an object from the paths. When no
field changes shape between releases, that equals merging the release trees directly, which
is what this module does in one walk per release and one rendering pass:
- fields are merged by the rules ``ocds_single.py`` describes for one release (``tag`` and
  ``omitWhenMerged`` fields dropped, ``wholeListMerge`` fields, scalars and arrays holding
  anything but objects replaced whole, empty objects and arrays ignored);
- objects of an array are matched by ``str(id)`` (ocdsmerge's key); objects without an
  ``id`` are always new;
- ``null`` replaces a value but keeps its position, and is dropped when rendering (an
  object left with nothing but nulls renders as ``{}``, as ocdsmerge does).
Anything these rules do not cover makes :func:`compile_releases` return None and the caller
uses ocdsmerge itself, which also produces its errors: a field that changes shape (a value
in one release, an object or an array of objects in another, which ocdsmerge reports as
``InconsistentTypeError``), two objects of one array sharing an ``id`` within a release, an
``id`` that is not a string or an integer or whose type changes, a missing or ``null`` date.
``tests/test_ocds_merge.py`` checks equality with ``create_compiled_release`` over varied
processes.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from ocdsmerge.rules import MergeRules

from .ocds_single import compile_single

_MISSING = object()


class _Unsupported(Exception):
    pass


class _Obj(dict[str, Any]):
    """An object of the compiled release being built (a plain dict is a value)."""

    __slots__ = ()


class _Arr(list[_Obj]):
    """An array of objects being built, with its objects by ``str(id)``."""

    __slots__ = ("by_id", "ids")

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, _Obj] = {}
        self.ids: dict[str, Any] = {}  # the original id, to refuse a change of its type


def compile_releases(releases: list[dict[str, Any]], rules: MergeRules,
                     base: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``CompiledRelease(data=base, merge_rules=rules)`` extended with ``releases`` (or
    ``Merger(merge_rules=rules).create_compiled_release(releases)`` without ``base``), or
    None when ocdsmerge itself must do it."""
    if not releases:
        return None
    if base is None and len(releases) == 1:
        return compile_single(releases[0], rules)
    try:
        # As ocdsmerge: a stable sort by the date string.
        ordered = releases if len(releases) == 1 else sorted(releases,
                                                             key=itemgetter("date"))
    except (KeyError, TypeError):
        return None
    root = _Obj()
    try:
        if base is not None:
            _merge_object(root, {k: v for k, v in base.items() if k != "tag"}, (), rules)
        for release in ordered:
            _merge_object(root, {k: v for k, v in release.items() if k != "tag"}, (), rules)
    except _Unsupported:
        return None
    last = ordered[-1]
    ocid, date = last.get("ocid"), last.get("date")
    out: dict[str, Any] = {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date,
                           "ocid": ocid}
    out.update(_render(root))
    return {k: v for k, v in out.items() if v is not None}


def _merge_object(node: _Obj, obj: dict[str, Any], rule_path: tuple[str, ...],
                  rules: MergeRules) -> bool:
    """Merge ``obj`` into ``node``; returns whether ``obj`` yielded anything (a value,
    ``null`` included, somewhere inside it)."""
    found = False
    for key, value in obj.items():
        path = (*rule_path, key)
        rule = rules.get(path)
        if rule == "omitWhenMerged":
            continue
        old = node.get(key, _MISSING)
        if (rule == "wholeListMerge" or not isinstance(value, dict | list)
                or (type(value) is list and any(not isinstance(v, dict) for v in value))):
            if type(old) is _Obj or type(old) is _Arr:
                raise _Unsupported  # a value over an object or an array of objects
            node[key] = value  # an existing key keeps its position
            found = True
        elif value:
            if isinstance(value, list):
                arr = _Arr() if old is _MISSING else old
                if type(arr) is not _Arr:
                    raise _Unsupported
                if _merge_array(arr, value, path, rules):
                    found = True
                    if old is _MISSING:
                        node[key] = arr
            else:
                child = _Obj() if old is _MISSING else old
                if type(child) is not _Obj:
                    raise _Unsupported
                if _merge_object(child, value, path, rules):
                    found = True
                    if old is _MISSING:
                        node[key] = child
    return found


def _merge_array(arr: _Arr, items: list[dict[str, Any]], rule_path: tuple[str, ...],
                 rules: MergeRules) -> bool:
    found = False
    seen: set[str] = set()
    for item in items:
        if "id" not in item:
            child = _Obj()
            if _merge_object(child, item, rule_path, rules):
                arr.append(child)
                found = True
            continue
        ident = item["id"]
        if isinstance(ident, bool) or not isinstance(ident, str | int):
            raise _Unsupported  # ocdsmerge keys objects by str(id): None, 1.0, {...}
        key = str(ident)
        if key in seen:
            raise _Unsupported  # ocdsmerge merges objects that share an id, with a warning
        seen.add(key)
        existing = arr.by_id.get(key)
        if existing is not None:
            if type(arr.ids[key]) is not type(ident):
                raise _Unsupported  # 1 and "1": one object for ocdsmerge, but which id?
            found = _merge_object(existing, item, rule_path, rules) or found
            continue
        child = _Obj()
        if _merge_object(child, item, rule_path, rules):
            child["id"] = ident  # ocdsmerge sets it on the object it creates, whatever the rules
            arr.append(child)
            arr.by_id[key] = child
            arr.ids[key] = ident
            found = True
    return found


def _render(node: Any) -> Any:
    kind = type(node)
    if kind is _Obj:
        return {k: _render(v) for k, v in node.items() if v is not None}
    if kind is _Arr:
        return [_render(item) for item in node]
    return node
