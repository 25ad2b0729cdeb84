"""Tests share helpers through support modules (``tests/*_support.py``,
``tests/browser/support.py``, ``synthetic/``), never by importing another test module, a
conftest or ``bench``: a test module is free to change without breaking others, and the
benchmarks are free to change without breaking the tests."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Tests whose subject is a bench script may import it.
MAY_IMPORT_BENCH = {
    # The matcher's evaluation on the labelled sets, through bench.link_eval (the sets and
    # the fitting code are to move to search/matching/, and this import with them).
    "test_linking_matcher.py",
}


def _imported(path: Path) -> list[str]:
    names: list[str] = []
    package = ".".join(path.relative_to(TESTS.parent).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def _wrong(path: Path) -> list[str]:
    def test_module(parts: list[str]) -> bool:
        return parts[0] == "tests" and any(p.startswith("test_") or p == "conftest"
                                           for p in parts[1:])

    def bench(parts: list[str]) -> bool:
        return parts[0] == "bench" and path.name not in MAY_IMPORT_BENCH

    return [name for name in _imported(path)
            if test_module(name.split(".")) or bench(name.split("."))]


def test_no_test_imports_another_test_module_a_conftest_or_bench() -> None:
    found = {str(p.relative_to(TESTS)): _wrong(p) for p in sorted(TESTS.rglob("*.py"))}
    assert {k: v for k, v in found.items() if v} == {}
