"""Every ``registry`` command the README shows, run as documented: through the installed
``registry`` entry point, in a subprocess, on the embedded default (``REGISTRY_DATA_DIR``
only).

The README's command block is parsed: a documented command without a test here, or a test
of a command the README no longer shows, fails ``test_readme_and_tests_list_the_same_
commands``, so the two cannot drift apart. Each command line a test runs is checked against
its synopsis (command words, options it knows, required options given; a synopsis without
placeholders is run word for word).

The module holds the embedded server of its data directory open, so each command attaches
to it rather than starting its own (the way two ``registry`` processes share one); the
commands still resolve, start-or-attach and migrate it exactly as a user's would.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from registry.db.embedded import ensure_database, start_embedded
from registry.db.engine import make_engine
from tests.companies_support import ACME, ACME_NUMBER, write_uk_csv

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("REGISTRY_TEST_DATABASE_URL")),
    reason="runs the commands on the embedded default; an external server is configured",
)

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DATA = Path(__file__).parent / "data"
REGISTRY = Path(sys.executable).parent / "registry"  # the console script pip installed

# synopsis in the README -> the command lines its tests run ({names} filled in by the test)
DOCUMENTED: dict[str, list[str]] = {}


def documented(synopsis: str, *lines: str) -> str:
    """Register a synopsis of the README with the command lines that test it; a synopsis
    without placeholders is itself the command line."""
    DOCUMENTED[synopsis] = list(lines) or [synopsis]
    return synopsis


SERVE = documented(
    "registry serve [--demo] [--host H] [--port P] [--workers N]",
    "registry serve --demo --host 127.0.0.1 --port {port} --workers 2")
DB_UPGRADE = documented("registry db upgrade")
EXPORT_JSONL = documented("registry export jsonl --out registry.jsonl")
EXPORT_CSV = documented("registry export csv --out registry.zip")
EXPORT_FTM = documented("registry export ftm --out registry.ftm.json")
USER_CREATE = documented(
    "registry user create --email E --role R [--password P]",
    "registry user create --email you@example.org --role registrar",
    "registry user create --email admin@example.org --role admin --password {password}")
RESET_PASSWORD = documented(
    "registry user reset-password --email E [--password P]",
    "registry user reset-password --email you@example.org",
    "registry user reset-password --email admin@example.org --password {password}")
IMPORT_MEETINGS = documented(
    "registry import meetings PATH... [--dataset NAME] [--no-resume] [--encoding E]",
    "registry import meetings {diary} --dataset madrid-diary --no-resume --encoding utf-8")
LINK = documented(
    "registry link [--entity ID]... [--run RUN] [--batch N] [-k K]",
    "registry link --run {run} --batch 100 -k 5",
    "registry link --entity {entity} --entity {other}")
EXPORT_LINKS = documented(
    "registry export links --out PATH [--status S]...",
    "registry export links --out {work}/links.jsonl",
    "registry export links --out {work}/public-links.jsonl --status auto --status confirmed")
IMPORT_BODS = documented(
    "registry import bods PATH... [--dataset bods] [--encoding E]",
    "registry import bods {bods} --dataset bods")
IMPORT_PSC = documented(
    "registry import psc PATH... [--dataset gb-psc] [--encoding E]",
    "registry import psc {psc} --dataset gb-psc --encoding iso-8859-1")
EXPORT_BODS = documented(
    "registry export bods --out PATH [--dataset D]",
    "registry export bods --out {work}/bods.json",
    "registry export bods --out {work}/bods.jsonl.gz --dataset bods")
IMPORT_OCDS = documented(
    "registry import ocds PATH... [--dataset ocds] [--validate] [--no-resume] [--workers N] "
    "[--encoding E]",
    "registry import ocds {releases} {update} --dataset ocds --validate --no-resume "
    "--workers 1 --encoding utf-8",
    "registry import ocds {concatenated}")
EXPORT_OCDS = documented(
    "registry export ocds --out PATH [--dataset D]... [--format json|jsonl]",
    "registry export ocds --out x.json",
    "registry export ocds --out {work}/ocds.out --dataset ocds --dataset demo-ocds "
    "--format jsonl")
IMPORT_DONATIONS = documented(
    "registry import donations PATH... [--format uk-ec|csv] [--dataset NAME] [--no-resume]",
    "registry import donations {donations} --format uk-ec --dataset uk-ec --no-resume")
IMPORT_COMPANIES = documented(
    "registry import companies PATH... --format uk-ch|csv [--dataset D] [--no-resume]",
    "registry import companies {companies} --format uk-ch --dataset gb-companies")
PUBLISH = documented(
    "registry publish [--out DIR] [--keep N]",
    "registry publish --out {work}/snapshots --keep 2")
DIFF = documented(
    "registry diff OLD NEW [--out PATH]",
    "registry diff {old} {new} --out {work}/diff.jsonl")
INDEX_STATUS = documented("registry index status")
INDEX_SYNC = documented("registry index sync")
INDEX_REBUILD = documented("registry index rebuild")


# --- the README side ------------------------------------------------------------------

def readme_synopses() -> list[str]:
    """The commands of the README's "Command line" block: a line starting with `registry`,
    up to the description (two or more spaces)."""
    section = README.read_text().split("## Command line", 1)[1]
    block = section.split("```", 2)[1]
    return [re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            for line in block.splitlines() if line.startswith("registry ")]


def readme_mentions() -> list[str]:
    """Commands quoted in the prose: `registry ...`."""
    return re.findall(r"`(registry [^`]*)`", README.read_text())


@dataclass
class Synopsis:
    words: list[str]  # registry export jsonl
    options: set[str]
    required: set[str]
    placeholders: dict[str, list[str]]  # option -> its choices, when it lists them (a|b)
    literal: list[str] | None  # the whole line, when nothing in it is to be filled in

    @classmethod
    def parse(cls, synopsis: str) -> Synopsis:
        words: list[str] = []
        options: set[str] = set()
        required: set[str] = set()
        placeholders: dict[str, list[str]] = {}
        depth, previous, literal = 0, "", True
        for raw in synopsis.split():
            token = raw.strip("[]").removesuffix("...").strip("[]")
            opening = raw.count("[")
            depth += opening
            if token.startswith("-"):
                options.add(token)
                if depth == 0:
                    required.add(token)
            elif not options and re.fullmatch(r"[a-z][a-z-]*", token) and depth == 0:
                words.append(token)
            else:
                if "|" in token and previous:
                    placeholders[previous] = token.split("|")
                literal = literal and not (token.isupper() or "|" in token)
            literal = literal and depth == 0
            depth -= raw.count("]")
            previous = token if token.startswith("-") else ""
        return cls(words, options, required, placeholders,
                   synopsis.split() if literal else None)

    def problems(self, argv: list[str]) -> list[str]:
        out = []
        if argv[:len(self.words)] != self.words:
            out.append(f"not the command {' '.join(self.words)}")
        given = [a for a in argv if a.startswith("-")]
        out += [f"{a} is not documented" for a in given if a not in self.options]
        out += [f"{r} is required" for r in self.required if r not in given]
        for option, choices in self.placeholders.items():
            for n, a in enumerate(argv[:-1]):
                if a == option and argv[n + 1] not in choices:
                    out.append(f"{option} {argv[n + 1]} is not one of {choices}")
        if self.literal is not None and argv != self.literal:
            out.append("not run word for word")
        return out


def test_readme_and_tests_list_the_same_commands() -> None:
    synopses = readme_synopses()
    assert len(synopses) >= 18
    assert sorted(synopses) == sorted(DOCUMENTED), (
        "every command of the README's block needs a test here, and only those")
    for synopsis, lines in DOCUMENTED.items():
        parsed = Synopsis.parse(synopsis)
        for line in lines:
            assert not parsed.problems(shlex.split(line)), (line, parsed.problems(
                shlex.split(line)))
    # Commands quoted in the prose are documented ones; a complete one is run as written.
    runs = {line for lines in DOCUMENTED.values() for line in lines}
    for mention in readme_mentions():
        words = Synopsis.parse(mention).words
        owners = [s for s in DOCUMENTED if Synopsis.parse(s).words[:len(words)] == words]
        assert owners, f"`{mention}` in the README is not a documented command"
        argv = mention.split()
        if any(a.startswith("-") for a in argv) and not any(
                a.isupper() or "|" in a or "[" in a for a in argv):
            assert mention in runs, f"`{mention}` in the README is not run by a test"


def test_synopsis_checks_can_fail() -> None:
    s = Synopsis.parse("registry export ocds --out PATH [--dataset D]... [--format json|jsonl]")
    assert s.problems(["registry", "export", "ocds", "--out", "x"]) == []
    assert s.problems(["registry", "export", "ocds", "--format", "xml", "--out", "x"]) == [
        "--format xml is not one of ['json', 'jsonl']"]
    assert s.problems(["registry", "export", "ocds", "--dataset", "d"]) == ["--out is required"]
    assert Synopsis.parse("registry db upgrade").problems(
        ["registry", "db", "upgrade", "--now"]) == ["--now is not documented",
                                                    "not run word for word"]


# --- running them ---------------------------------------------------------------------

@dataclass
class Registry:
    """The `registry` command on one embedded data directory."""
    data_dir: Path
    work: Path
    env: dict[str, str]
    url: str

    def run(self, synopsis: str, n: int = 0, **values: Any) -> subprocess.CompletedProcess[str]:
        argv = self.argv(synopsis, n, **values)
        result = subprocess.run(  # noqa: S603 - our own entry point
            [str(REGISTRY), *argv[1:]], cwd=self.work, env=self.env, capture_output=True,
            text=True, timeout=300, check=False)
        assert result.returncode == 0, (argv, result.stdout, result.stderr)
        return result

    def run_together(self, *runs: tuple[str, int]) -> None:
        """Commands that only read, side by side (each process is mostly start-up)."""
        with ThreadPoolExecutor(max_workers=3) as pool:
            for future in [pool.submit(self.run, synopsis, n) for synopsis, n in runs]:
                future.result()

    def argv(self, synopsis: str, n: int = 0, **values: Any) -> list[str]:
        defaults = {"work": self.work, "data": DATA}
        return shlex.split(DOCUMENTED[synopsis][n].format(**defaults, **values))

    def query(self, sql: str) -> Any:
        async def go() -> Any:
            engine = make_engine(self.url)
            try:
                async with engine.connect() as conn:
                    return (await conn.execute(text(sql))).scalar()
            finally:
                await engine.dispose()

        return asyncio.run(go())


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    assert REGISTRY.exists(), f"no console script at {REGISTRY}: pip install -e ."
    # Not pytest's tmp_path: the server runs as another user, who must reach the directory.
    root = Path(tempfile.mkdtemp(prefix="registry-readme-"))
    data_dir, work = root / "data", root / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATA_DIR"] = str(data_dir)
    server = start_embedded(data_dir, cleanup_mode="delete")
    try:
        yield Registry(data_dir, work, env, ensure_database(server))
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback only
        return json.loads(r.read())


def test_serve_demo_answers_health_and_the_demo(registry: Registry) -> None:
    port = _free_port()
    argv = registry.argv(SERVE, port=port)
    proc = subprocess.Popen(  # noqa: S603
        [str(REGISTRY), *argv[1:]], cwd=registry.work, env=registry.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                assert _get(f"http://127.0.0.1:{port}/health") == {"status": "ok"}
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(f"registry serve did not answer: {err}") from None
                time.sleep(0.3)
        behind = _get(f"http://127.0.0.1:{port}/api/v1/contracts/ocds-demo-0001/behind")
        assert "ACME" in json.dumps(behind)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0


def test_db_upgrade(registry: Registry) -> None:
    assert "Database is up to date." in registry.run(DB_UPGRADE).stderr


def _summary(output: str) -> dict[str, int]:
    found = re.search(r"read ([\d,]+)\s+imported ([\d,]+)\s+updated ([\d,]+)\s+"
                      r"unchanged ([\d,]+)\s+skipped ([\d,]+)", output)
    assert found, output
    keys = ("read", "imported", "updated", "unchanged", "skipped")
    return dict(zip(keys, (int(g.replace(",", "")) for g in found.groups()), strict=True))


def test_imports(registry: Registry) -> None:
    out = registry.run(IMPORT_BODS, bods=DATA / "bods" / "bods-0.3.json").stderr
    assert _summary(out)["imported"] > 0 and _summary(out)["skipped"] == 0
    out = registry.run(IMPORT_PSC, psc=DATA / "psc" / "psc-sample.jsonl").stderr
    assert _summary(out)["imported"] > 0
    packages = [DATA / "ocds" / "release-package.json", DATA / "ocds" / "update-package.json"]
    releases = sum(len(json.loads(p.read_text())["releases"]) for p in packages)
    out = registry.run(IMPORT_OCDS, releases=packages[0], update=packages[1]).stderr
    assert _summary(out)["read"] == releases and _summary(out)["skipped"] == 0, out
    # The same packages, concatenated as ocdskit writes them: nothing new.
    concatenated = registry.work / "concatenated.json"
    concatenated.write_text("".join(p.read_text() for p in packages))
    out = registry.run(IMPORT_OCDS, 1, concatenated=concatenated).stderr
    assert _summary(out)["unchanged"] == releases, out
    out = registry.run(IMPORT_MEETINGS, diary=DATA / "meetings" / "diary.csv").stderr
    assert _summary(out) == {"read": 2, "imported": 2, "updated": 0, "unchanged": 0,
                             "skipped": 0}, out


# The UK Electoral Commission's columns, as published (../shared/formats).
EC_HEADER = ("ECRef,RegulatedEntityName,RegulatedEntityType,Value,AcceptedDate,"
             "AccountingUnitName,DonorName,AccountingUnitsAsCentralParty,IsSponsorship,"
             "DonorStatus,RegulatedDoneeType,CompanyRegistrationNumber,Postcode,DonationType,"
             "NatureOfDonation,PurposeOfVisit,DonationAction,ReceivedDate,ReportedDate,"
             "IsReportedPrePoll,ReportingPeriodName,IsBequest,IsAggregation")


def test_register_and_donation_imports(registry: Registry) -> None:
    companies = write_uk_csv(registry.work / "BasicCompanyData.csv", [ACME])
    out = registry.run(IMPORT_COMPANIES, companies=companies).stderr
    assert _summary(out)["imported"] == 1, out
    donations = registry.work / "donations.csv"
    donations.write_text(EC_HEADER + "\n" + ",".join([
        "NC0001", "Progress Party", "Political Party", '"£12,500.00"', "05/01/2024", "",
        "ACME CONSTRUCTION LTD", "False", "False", "Company", "", ACME_NUMBER.lstrip("0"), "",
        "Cash", "", "", "Accepted", "", "", "False", "Q1 2024", "False", "False"]) + "\n",
        encoding="utf-8")
    out = registry.run(IMPORT_DONATIONS, donations=donations).stderr
    assert _summary(out)["imported"] == 1, out


def test_publish_and_diff(registry: Registry) -> None:
    snapshots = registry.work / "snapshots"
    registry.run(PUBLISH)
    registry.run(IMPORT_MEETINGS, diary=DATA / "meetings" / "diary.csv")  # changes nothing
    registry.run(PUBLISH)
    folders = sorted(p for p in snapshots.iterdir() if p.is_dir() and p.name[0].isdigit())
    assert len(folders) == 2 and (folders[-1] / "datapackage.json").exists()
    registry.run(DIFF, old=folders[0], new=folders[1])
    assert (registry.work / "diff.jsonl").exists()


def test_link(registry: Registry) -> None:
    run = registry.query("SELECT max(id) FROM import_runs")
    assert "link" in registry.run(LINK, run=run).stderr
    entity = registry.query("SELECT min(id) FROM entities WHERE dataset = 'ocds'")
    other = registry.query("SELECT max(id) FROM entities WHERE dataset = 'madrid-diary'")
    assert "linked 2 entities" in registry.run(LINK, 1, entity=entity, other=other).stderr


def _manifest(path: Path) -> dict[str, Any]:
    manifest = json.loads(Path(f"{path}.manifest.json").read_text())
    assert isinstance(manifest, dict)
    return manifest


def test_exports(registry: Registry) -> None:
    work = registry.work
    registry.run_together((EXPORT_JSONL, 0), (EXPORT_CSV, 0), (EXPORT_FTM, 0),
                          (EXPORT_BODS, 0), (EXPORT_BODS, 1), (EXPORT_OCDS, 0),
                          (EXPORT_OCDS, 1), (EXPORT_LINKS, 0), (EXPORT_LINKS, 1))
    tables = {json.loads(line)["table"] for line in (work / "registry.jsonl").open()}
    assert {"entities", "contracts", "meetings"} <= tables
    assert _manifest(work / "registry.jsonl")
    with zipfile.ZipFile(work / "registry.zip") as zf:
        assert "entities.csv" in zf.namelist()
    schemas = {json.loads(line)["schema"] for line in (work / "registry.ftm.json").open()}
    assert {"Company", "Person"} <= schemas
    statements = json.loads((work / "bods.json").read_text())
    assert isinstance(statements, list) and len(statements) > 10
    assert _manifest(work / "bods.jsonl.gz")
    # `registry export ocds --out x.json` crashed on the embedded default (issue 13).
    assert len(json.loads((work / "x.json").read_text())["records"]) == 5
    lines = (work / "ocds.out").read_text().splitlines()
    assert len(lines) == 5 and all("ocid" in json.loads(line) for line in lines)
    every = (work / "links.jsonl").read_text().splitlines()
    public = (work / "public-links.jsonl").read_text().splitlines()
    assert every and len(public) <= len(every)
    assert all(json.loads(line)["status"] in ("auto", "confirmed") for line in public)


def test_users(registry: Registry) -> None:
    result = registry.run(USER_CREATE)
    assert result.stdout.startswith("Password (shown once): ")
    result = registry.run(USER_CREATE, 1, password="a-long-enough-password")
    assert "Created admin admin@example.org" in result.stderr and not result.stdout
    result = registry.run(RESET_PASSWORD)
    assert "earlier sign-ins are ended" in result.stderr
    assert result.stdout.startswith("Password (shown once): ")
    registry.run(RESET_PASSWORD, 1, password="another-long-password")


def test_index(registry: Registry) -> None:
    status = json.loads(registry.run(INDEX_STATUS).stdout)
    assert status["healthy"] is True and "outbox" in status
    assert "the outbox is empty" in registry.run(INDEX_SYNC).stderr
    assert "Rebuilt the PostgreSQL index" in registry.run(INDEX_REBUILD).stderr
