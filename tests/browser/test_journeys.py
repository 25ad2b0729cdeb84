"""The three users' journeys in a real browser (Chromium, headless), one test each.

1. a lobbyist signs up, makes a mistake in the registration form, fixes it and submits; a
   registrar approves the entry in the review page; it appears on /registrants;
2. a journalist searches a misspelt Cyrillic name, opens the company, sees its owners
   graph, opens a contract and follows "who is behind it" to a meeting;
3. a watchdog opens the downloads page and gets a file.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from registry.db.engine import make_engine, make_sessionmaker
from tests.browser.conftest import Served
from tests.browser.support import step
from tests.lobbying_support import account, entry, publish

DNIPRO = "ТОВ «Будівельна компанія Дніпро»"
KYIV = "Київська міська державна адміністрація"


@pytest.fixture(scope="session")
async def dnipro_lobbying(served: Served) -> dict[str, Any]:
    """A consultancy whose client is the Dnipro builder (the demo's Ukrainian supplier),
    published, and its meeting with the Kyiv administration before the bridge contract's
    award: the demo has no lobbying around that contract. Arranged through the API."""
    engine = make_engine(served.database_url)
    async with make_sessionmaker(engine)() as session:
        member = await account(session, served.settings, "kyiv-consult@example.org")
        registrar = await account(session, served.settings, "registrar-1@example.org",
                                  role="registrar")
    await engine.dispose()
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        view = await publish(client, member, registrar, entry(  # type: ignore[arg-type]
            name="Kyiv Bridge Consulting", category="consultancy",
            head_office={"address": "Khreshchatyk 10", "city": "Kyiv", "country": "UA"},
            clients=[{"name": DNIPRO, "income_band": "10000-24999",
                      "identifiers": [{"scheme": "UA-EDR", "id": "34567890"}]}]))
        r = await client.post(f"/api/v1/registrants/{view['id']}/meetings", headers=member,
                              json={"date": "2023-06-15", "subject": "Dnipro bridge repairs",
                                    "officials": [{"name": "Petro Bondarenko",
                                                   "role": "Deputy head", "institution": KYIV}],
                                    "clients": [DNIPRO]})
        assert r.status_code == 201, r.text
    return view


async def test_journalist_from_a_misspelt_name_to_a_meeting(
        page: Page, served: Served, dnipro_lobbying: dict[str, Any]) -> None:
    j = "journalist"
    await page.goto("/")
    await step(page, j, 1, "home", names="Transparency registry")
    # "Будівельна" misspelt (the soft sign left out), and no legal form.
    box = page.get_by_label("Search companies, persons and public bodies")
    await box.fill("Будівелна компанія Дніпро")
    await box.press("Enter")
    await expect(page.locator("ol.hits")).to_contain_text(DNIPRO)
    await step(page, j, 2, "search", names="Будівелна компанія Дніпро")
    await page.locator("ol.hits a", has_text=DNIPRO).first.click()
    await expect(page.locator("h1")).to_have_text(DNIPRO)
    graph = page.locator("figure.graph svg")
    await expect(graph).to_be_visible()
    await expect(graph.locator("a.node", has_text="Олександр Коваленко")).to_be_visible()
    await expect(graph.locator("g.edge-label")).to_contain_text(["100%"])
    await step(page, j, 3, "company", names=DNIPRO)
    # The graph as files for their own tools.
    for fmt, marker in (("GraphML", "<graphml"), ("SVG", "<svg"), ("JSON", '"edges"')):
        async with page.expect_download() as dl:
            await page.locator("figure.graph figcaption").get_by_role(
                "link", name=fmt, exact=True).click()
        path = await (await dl.value).path()
        assert marker in path.read_text("utf-8"), fmt
    await page.get_by_role("link", name="Реконструкція мосту через Дніпро").first.click()
    await expect(page.locator("h2", has_text="Who is behind it")).to_be_visible()
    await expect(page.locator("#behind-graph svg")).to_contain_text("Олександр Коваленко")
    await step(page, j, 4, "contract", names="Реконструкція мосту через Дніпро")
    meeting = page.locator("section.story li", has_text="Dnipro bridge repairs")
    await expect(meeting.first).to_be_visible()
    await page.locator("section.story").get_by_role(
        "link", name="Kyiv Bridge Consulting").first.click()
    await expect(page.locator("h1")).to_have_text("Kyiv Bridge Consulting")
    await expect(page.locator("ul.meetings")).to_contain_text("Dnipro bridge repairs")
    await step(page, j, 5, "registrant", names="Kyiv Bridge Consulting")
