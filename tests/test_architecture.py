"""The one-way layout (README, "Architecture"): the import contracts in pyproject.toml hold,
click is imported by ``registry/cli/`` alone, and every module of ``registry/`` sits in a
layer of the contract, so a new module cannot slip past it unlisted."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
PACKAGES = ("registry", "importers", "search", "migrations", "bench")


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _layers() -> list[list[str]]:
    return [[m.strip() for m in re.split(r"[:|]", layer) if m.strip()]
            for layer in _contracts()["layers"]["layers"]]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_click(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "click" or name.startswith("click.") for name in names):
            return True
    return False


def test_only_registry_cli_imports_click() -> None:
    """A plain scan, lazy imports inside functions included (the packages CI ships and the
    benchmarks; tests drive the CLI through click.testing)."""
    cli = ROOT / "registry" / "cli"
    offenders = [str(p.relative_to(ROOT)) for package in PACKAGES
                 for p in sorted((ROOT / package).rglob("*.py"))
                 if cli not in p.parents and _imports_click(p)]
    assert offenders == []


def test_every_registry_module_is_in_one_layer() -> None:
    layered = [m for layer in _layers() for m in layer]
    assert len(layered) == len(set(layered))
    # the package roots hold no code of their own; `python -m registry` is the CLI's door
    unlayered_ok = {"registry", "registry.__main__"}
    missing, twice = [], []
    for path in sorted((ROOT / "registry").rglob("*.py")):
        name = _module_name(path)
        homes = [m for m in layered if name == m or name.startswith(m + ".")]
        inside = [m for m in layered if m.startswith(name + ".")]
        if len(homes) > 1:
            twice.append(name)
        elif not homes and not inside and name not in unlayered_ok:
            missing.append(name)
    assert missing == [] and twice == []


def test_importers_contract_forbids_what_sits_above_importers() -> None:
    cli_and_features = {m for layer in _layers()[:2] for m in layer}
    assert _layers()[2] == ["importers"]
    assert set(_contracts()["importers"]["forbidden_modules"]) == cli_and_features


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,  # noqa: S603
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]


def test_every_source_adapter_follows_the_protocol() -> None:
    """mypy checks each entry point against :class:`importers.core.adapter.Import` here."""
    from importers.bods.importer import import_bods
    from importers.companies import import_companies
    from importers.core.adapter import Import
    from importers.donations import import_donations
    from importers.meetings import import_meetings
    from importers.ocds.importer import import_ocds
    from importers.psc import import_psc

    adapters: list[Import] = [import_bods, import_psc, import_companies, import_ocds,
                              import_meetings, import_donations]
    assert all(callable(a) for a in adapters)
