"""Shared by the browser journeys: the served registry and a fresh browser profile on it, a
screenshot of each step, and on every page the checks the issue asks of every page (title,
og:description, canonical, axe-core)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from registry.settings import Settings

AXE = Path(__file__).with_name("axe.min.js")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
SITE = "Transparency registry"


@dataclass
class Served:
    base_url: str
    database_url: str
    settings: Settings


async def new_context(browser: Browser, served: Served) -> BrowserContext:
    """A fresh browser profile (its own storage: another person at another computer)."""
    # bypass_csp: only so that axe-core can be injected; the pages themselves run under it.
    ctx = await browser.new_context(base_url=served.base_url, accept_downloads=True,
                                    bypass_csp=True)
    ctx.set_default_timeout(10_000)
    return ctx


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text("utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def step(page: Page, journey: str, n: int, name: str, *, names: str | None = None) -> None:
    """Screenshot the step; check the page's title (naming ``names`` when given),
    description, canonical URL and accessibility."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{journey}-{n:02d}-{name}.png"),
                          full_page=True)
    title = await page.title()
    assert title.endswith(SITE), title
    if names is not None:
        assert names in title, (names, title)
    description = await page.locator('meta[property="og:description"]').get_attribute(
        "content")
    assert description and len(description) > 20, description
    canonical = await page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical and re.match(r"https?://", canonical), canonical
    violations = await axe_violations(page)
    assert not violations, violations
