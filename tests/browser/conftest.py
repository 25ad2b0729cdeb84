"""Browser tests: Playwright driving Debian's Chromium against a served registry.

The registry runs in a thread (uvicorn, ``create_app``) on a free 127.0.0.1 port, on a fresh
test database holding the linked demo. Chromium is ``/usr/bin/chromium`` (installed with
apt-get when missing and we are root); Playwright never downloads a browser. axe-core is
vendored (``axe.min.js``, MPL-2.0), so the tests need no network. Screenshots of every step
go to ``out/screenshots/`` (ignored by git, kept by CI); the path is printed at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from registry.app import create_app
from registry.demo.load import link_demo, load_demo
from registry.settings import Settings
from tests.browser.support import SCREENSHOTS, Served, new_context
from tests.database_support import DatabaseFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


def _ensure_chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        # Debian's package, never a browser build downloaded by Playwright.
        subprocess.run(["apt-get", "update", "-qq"], check=True)  # noqa: S607
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,  # noqa: S607
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (not root/apt)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
async def served(db_factory: DatabaseFactory) -> AsyncIterator[Served]:
    """The registry with the linked demo, served over HTTP on 127.0.0.1."""
    url = await db_factory.create()
    assert await load_demo(url)
    await link_demo(url)
    data_dir = Path(tempfile.mkdtemp(prefix="registry-browser-"))
    settings = Settings(data_dir=data_dir, secret_key="browser-test-secret-not-for-production",
                        sync_worker=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, url), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the registry did not start")
        await asyncio.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
        await db_factory.drop(url)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = _ensure_chromium()
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def context(browser: Browser, served: Served) -> AsyncIterator[BrowserContext]:
    ctx = await new_context(browser, served)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS
