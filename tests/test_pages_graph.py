"""The ownership drawing (registry/ownership/drawing.py, registry/pages/graph_svg.py):
ended interests dashed, loops marked, undisclosed owners drawn, far nodes collapsed and the
node bound kept; the same graph as SVG, GraphML and JSON files."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.demo.load import link_demo
from registry.models import Entity
from registry.ownership.drawing import MAX_NODES, MAX_PER_LEVEL, entity_drawing
from registry.pages.graph_svg import graphml, svg
from tests.bods_support import write_json
from tests.ownership_support import co, holds, stmt

Client = AsyncTestClient[Litestar]
GML = "{http://graphml.graphdrawing.org/xmlns}"


async def _id(session: AsyncSession, key: str) -> int:
    return int((await session.scalars(select(Entity.id).where(Entity.source_key == key))).one())


def _person(name: str) -> dict[str, Any]:
    return {"isComponent": False, "personType": "knownPerson",
            "names": [{"type": "legal", "fullName": name}]}


async def test_ended_loops_and_undisclosed_owners(database_url: str, session: AsyncSession,
                                                  client: Client, tmp_path: Path) -> None:
    statements = [
        stmt("a", "A", "entity", co("A Ltd")), stmt("b", "B", "entity", co("B Ltd")),
        stmt("c", "C", "entity", co("C Ltd")), stmt("p", "P", "person", _person("Pat Owner")),
        stmt("r1", "B-A", "relationship", holds("A", "B", {"exact": 40})),
        stmt("r2", "C-A", "relationship", holds("A", "C", {"exact": 60})),
        stmt("r4", "P-C", "relationship", holds("C", "P", {"exact": 100})),
        stmt("r5", "A-B", "relationship", holds("B", "A", {"exact": 10})),
        stmt("r6", "U-C", "relationship", holds(
            "C", {"reason": "interestedPartyExemptFromDisclosure"}, None)),
        stmt("r3", "P-B", "relationship", holds("B", "P", {"exact": 50})),
        # P's stake in B is sold in 2023: ended, drawn dashed, not dropped.
        stmt("r7", "P-B", "relationship", holds("B", "P", {"exact": 50}), "2023-03-01",
           "closed"),
    ]
    await import_bods(database_url, [str(write_json(tmp_path / "d.json", statements))])
    a, b, c, p = [await _id(session, k) for k in ("A", "B", "C", "P")]
    d = await entity_drawing(session, a, dt.date(2024, 1, 1), depth=2)
    edges = {(e.source, e.target): e for e in d.edges}
    assert edges[(f"e{p}", f"e{b}")].ended and edges[(f"e{p}", f"e{b}")].label == "50%"
    assert not edges[(f"e{p}", f"e{c}")].ended
    assert edges[(f"e{a}", f"e{b}")].cycle and edges[(f"e{b}", f"e{a}")].cycle
    assert not edges[(f"e{c}", f"e{a}")].cycle and edges[(f"e{c}", f"e{a}")].label == "60%"
    undisclosed = [n for n in d.nodes if n.kind == "undisclosed"]
    assert len(undisclosed) == 1 and undisclosed[0].level == -2
    assert (undisclosed[0].key, f"e{c}") in edges
    levels = {n.key: n.level for n in d.nodes}
    assert levels[f"e{a}"] == 0 and levels[f"e{c}"] == -1 and levels[f"e{p}"] == -2

    drawn = svg(d)
    ET.fromstring(drawn)  # noqa: S314 (our own output; well-formed)
    assert drawn.count('stroke-dasharray="7 5"') == 1  # the one ended interest
    assert drawn.count('stroke="#a3151a" stroke-width="2.2"') == 2  # the loop's two edges
    assert "Undisclosed owner" in drawn and "50% · ended" in drawn
    tree = ET.fromstring(graphml(d))  # noqa: S314
    assert len(tree.findall(f".//{GML}node")) == len(d.nodes) == 5
    assert len(tree.findall(f".//{GML}edge")) == len(d.edges) == 6

    # Before the sale the stake is in force: solid.
    earlier = await entity_drawing(session, a, dt.date(2022, 1, 1), depth=2)
    assert not any(e.ended for e in earlier.edges)

    page = await client.get(f"/entities/{a}")
    assert page.status_code == 200 and '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    for fmt, kind in (("svg", "image/svg+xml"), ("graphml", "application/graphml+xml"),
                      ("json", "application/json")):
        r = await client.get(f"/entities/{a}/graph.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind), fmt
        assert "attachment" in r.headers["content-disposition"]
    body = (await client.get(f"/entities/{a}/graph.json")).json()
    assert {n["label"] for n in body["nodes"]} == {"A Ltd", "B Ltd", "C Ltd", "Pat Owner",
                                                   "Undisclosed owner"}
    assert (await client.get("/entities/999999/graph.svg")).status_code == 404


async def test_far_nodes_collapse_and_the_bound_holds(database_url: str, session: AsyncSession,
                                                      client: Client, tmp_path: Path) -> None:
    # A chain H <- X1 <- X2 <- X3 (each owns the one before), and 60 owners of Big.
    statements = [stmt("h", "H", "entity", co("Hub Ltd")), stmt("g", "G", "entity", co("Big"))]
    for i in range(1, 4):
        statements.append(stmt(f"x{i}", f"X{i}", "entity", co(f"Chain {i} Ltd")))
        statements.append(stmt(f"rx{i}", f"X{i}-{i - 1}", "relationship", holds(
            "H" if i == 1 else f"X{i - 1}", f"X{i}", {"exact": 100})))
    for i in range(60):
        statements.append(stmt(f"o{i}", f"O{i}", "person", _person(f"Owner Number {i}")))
        statements.append(stmt(f"ro{i}", f"O{i}-G", "relationship",
                             holds("G", f"O{i}", {"exact": 1})))
    await import_bods(database_url, [str(write_json(tmp_path / "d.json", statements))])
    hub, x2, big = [await _id(session, k) for k in ("H", "X2", "G")]
    wide = await entity_drawing(session, big, dt.date.today(), depth=2)
    assert wide.truncated  # the node bound was met: 49 owners read, 11 left unread
    assert next(n for n in wide.nodes if n.focus).hidden == 60 - (MAX_NODES - 1)
    # Readable: one level holds at most MAX_PER_LEVEL boxes, the rest folded into one.
    assert len(wide.nodes) == 1 + MAX_PER_LEVEL
    more = next(n for n in wide.nodes if n.kind == "more")
    assert more.label == f"+{MAX_NODES - 1 - (MAX_PER_LEVEL - 1)} more"
    assert more.url == f"/entities/{big}#owners"
    assert len(wide.edges) == MAX_PER_LEVEL  # the folded ones share one edge
    assert f'href="/entities/{big}#owners"' in svg(wide)
    d = await entity_drawing(session, hub, dt.date.today(), depth=2)
    assert not d.truncated and len(d.nodes) == 3
    # X3 is three steps away: collapsed into "+1" on X2.
    assert "e" + str(await _id(session, "X3")) not in {n.key for n in d.nodes}
    assert next(n for n in d.nodes if n.entity_id == x2).hidden == 1
    drawn = svg(d)
    assert re.search(r'<a href="/entities/\d+#ownership-graph" class="more">', drawn)
    page = await client.get(f"/entities/{hub}")
    assert f'href="/entities/{hub}?depth=3#ownership-graph"' in page.text
    deeper = await client.get(f"/entities/{hub}", params={"depth": 3})
    assert "Chain 3 Ltd" in deeper.text and f'href="/entities/{hub}#ownership-graph"' in (
        deeper.text)


async def test_contract_graph_and_files(database_url: str, demo: Any, client: Client) -> None:
    await link_demo(database_url)
    page = await client.get("/contracts/ocds-demo-0001")
    assert page.status_code == 200
    graph = page.text[page.text.index('id="behind-graph"'):]
    for name in ("ACME CONSTRUCTION LTD.", "Acme Construction Limited", "Acme Holdings Ltd",
                 "John Andrew Smith", "Resurfacing of Calle de Alcal"):
        assert name in graph, name
    r = await client.get("/contracts/ocds-demo-0001/graph.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.text)  # noqa: S314
    hrefs = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert hrefs and all(h and h.startswith("http://") for h in hrefs)  # absolute in a file
    data = json.loads((await client.get("/contracts/ocds-demo-0001/graph.json")).text)
    kinds = {e["kind"] for e in data["edges"]}
    assert kinds == {"supplies", "same", "ownership"}
    assert (await client.get("/contracts/nope/graph.svg")).status_code == 404
