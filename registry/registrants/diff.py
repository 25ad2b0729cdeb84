"""JSON merge patch (RFC 7396) for PATCH, and the difference between two versions.

Both hand-written: the merge patch is the RFC's ten-line algorithm, and the difference is a
walk over two JSON documents that names each changed leaf by the same field paths the
validation errors use (``lobbyists[1].role``).
"""

from __future__ import annotations

from typing import Any

from .schemas import Change


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in [*old.keys(), *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            changes.extend(diff(old.get(key), new.get(key), sub))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            changes.extend(diff(old[i] if i < len(old) else None,
                                new[i] if i < len(new) else None, sub))
        return changes
    if old == new or (_empty(old) and _empty(new)):
        return []
    if _empty(old):
        return [Change(path=path, op="added", new=new)]
    if _empty(new):
        return [Change(path=path, op="removed", old=old)]
    return [Change(path=path, op="changed", old=old, new=new)]
