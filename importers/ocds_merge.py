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

# The merge rules as a tree, so that the walk looks a field up in its parent's rules instead
# of building and hashing its whole path: field -> (rule, rules below it).
_Tree = dict[str, tuple[str | None, "_Tree"]]
_EMPTY: _Tree = {}
_NO_RULE: tuple[str | None, _Tree] = (None, _EMPTY)
_MISSING = object()
_trees: dict[int, tuple[MergeRules, _Tree]] = {}


class _Unsupported(Exception):
    pass


class _Build:
    """The compiled release being built. Its objects and arrays are plain dicts and lists,
    known by their ids (a value from a release is never one of them), so the result needs
    no copying pass; the nulls it holds are dropped at the end."""

    __slots__ = ("arrays", "nulls", "objects")

    def __init__(self) -> None:
        self.objects: set[int] = set()
        # id of an array -> its objects by str(id), and each one's original id
        self.arrays: dict[int, tuple[dict[str, dict[str, Any]], dict[str, Any]]] = {}
        self.nulls: list[tuple[dict[str, Any], str]] = []


def _rule_tree(rules: MergeRules) -> _Tree:
    cached = _trees.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    root: _Tree = {}
    for path, rule in rules.items():
        node = root
        for n, key in enumerate(path):
            old_rule, sub = node.get(key, (None, None))
            sub = {} if sub is None else sub
            node[key] = (rule if n == len(path) - 1 else old_rule, sub)
            node = sub
    # A release's tag is dropped whatever the rules say (ocdsmerge pops it).
    root = {**root, "tag": ("omitWhenMerged", _EMPTY)}
    _trees[id(rules)] = (rules, root)
    return root


def compile_releases(releases: list[dict[str, Any]], rules: MergeRules,
                     base: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``CompiledRelease(data=base, merge_rules=rules)`` extended with ``releases`` (or
    ``Merger(merge_rules=rules).create_compiled_release(releases)`` without ``base``), or
    None when ocdsmerge itself must do it. The result shares values with the input (as
    ocdsmerge's does)."""
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
    tree = _rule_tree(rules)
    build = _Build()
    root: dict[str, Any] = {}
    try:
        for release in ordered if base is None else [base, *ordered]:
            _merge_object(build, root, release, tree)
    except _Unsupported:
        return None
    for node, key in build.nulls:  # null replaces a value, then is left out
        if key in node and node[key] is None:
            del node[key]
    last = ordered[-1]
    ocid, date = last.get("ocid"), last.get("date")
    out: dict[str, Any] = {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date,
                           "ocid": ocid}
    out.update(root)
    return {k: v for k, v in out.items() if v is not None}


def _merge_object(build: _Build, node: dict[str, Any], obj: dict[str, Any],
                  tree: _Tree) -> bool:
    """Merge ``obj`` into ``node``; returns whether ``obj`` yielded anything (a value,
    ``null`` included, somewhere inside it)."""
    found = False
    objects, arrays = build.objects, build.arrays
    for key, value in obj.items():
        rule, sub = tree.get(key, _NO_RULE)
        if rule == "omitWhenMerged":
            continue
        old = node.get(key, _MISSING)
        if (rule == "wholeListMerge" or not isinstance(value, dict | list)
                or (type(value) is list and any(not isinstance(v, dict) for v in value))):
            if old is not _MISSING and (id(old) in objects or id(old) in arrays):
                raise _Unsupported  # a value over an object or an array of objects
            node[key] = value  # an existing key keeps its position
            if value is None:
                build.nulls.append((node, key))
            found = True
        elif value:
            if isinstance(value, list):
                if old is _MISSING:
                    new_arr: list[dict[str, Any]] = []
                    index: tuple[dict[str, dict[str, Any]], dict[str, Any]] = ({}, {})
                    if _merge_array(build, new_arr, index, value, sub):
                        arrays[id(new_arr)] = index
                        node[key] = new_arr
                        found = True
                elif id(old) in arrays:
                    found = _merge_array(build, old, arrays[id(old)], value, sub) or found
                else:
                    raise _Unsupported
            elif old is _MISSING:
                child: dict[str, Any] = {}
                if _merge_object(build, child, value, sub):
                    objects.add(id(child))
                    node[key] = child
                    found = True
            elif id(old) in objects:
                found = _merge_object(build, old, value, sub) or found
            else:
                raise _Unsupported
    return found


def _merge_array(build: _Build, arr: list[dict[str, Any]],
                 index: tuple[dict[str, dict[str, Any]], dict[str, Any]],
                 items: list[dict[str, Any]], tree: _Tree) -> bool:
    found = False
    by_id, ids = index
    seen: set[str] = set()
    for item in items:
        if "id" not in item:
            child: dict[str, Any] = {}
            if _merge_object(build, child, item, tree):
                build.objects.add(id(child))
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
        existing = by_id.get(key)
        if existing is not None:
            if type(ids[key]) is not type(ident):
                raise _Unsupported  # 1 and "1": one object for ocdsmerge, but which id?
            found = _merge_object(build, existing, item, tree) or found
            continue
        child = {}
        if _merge_object(build, child, item, tree):
            child["id"] = ident  # ocdsmerge sets it on the object it creates, whatever the rules
            build.objects.add(id(child))
            arr.append(child)
            by_id[key] = child
            ids[key] = ident
            found = True
    return found
