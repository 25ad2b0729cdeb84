"""Migrations: named by revision, so ``ls`` lists them in the order they run."""

from __future__ import annotations

import configparser
import re
import shutil
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from registry.db.migrate import FILE_TEMPLATE, alembic_config

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"


def test_every_migration_file_is_named_by_its_revision() -> None:
    scripts = list(ScriptDirectory.from_config(alembic_config("postgresql://x/y")).walk_revisions())
    assert len(scripts) == len(list(VERSIONS.glob("*.py")))
    for script in scripts:
        assert script.path is not None
        name = Path(script.path).name
        assert re.fullmatch(rf"{re.escape(script.revision)}_[a-z0-9_]+\.py", name), name


def test_a_new_migration_is_named_by_its_revision(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    cfg = alembic_config("postgresql://x/y")
    cfg.set_main_option("script_location", str(tmp_path / "migrations"))
    command.revision(cfg, message="Name keys, version 3", rev_id="0099")
    new = {p.name for p in (tmp_path / "migrations" / "versions").glob("*.py")}
    assert new - {p.name for p in VERSIONS.glob("*.py")} == {"0099_name_keys_version_3.py"}


def test_the_alembic_command_names_them_the_same_way() -> None:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "alembic.ini")
    assert ini["alembic"]["file_template"] == FILE_TEMPLATE
