"""``search/`` sits below the registry: it searches, normalises and scores with plain
parameters, and imports nothing of ``registry``, ``importers`` or ``bench``, not even lazily
inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

SEARCH = Path(__file__).parents[2] / "search"
ABOVE = {"registry", "importers", "bench", "tests"}


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def test_search_imports_nothing_above_it() -> None:
    modules = sorted(SEARCH.rglob("*.py"))
    assert len(modules) > 20
    wrong = [f"{path.relative_to(SEARCH.parent)}:{line} imports {name}"
             for path in modules for line, name in _imports(path)
             if name.partition(".")[0] in ABOVE]
    assert wrong == []
