"""Drawing an ownership ``Drawing`` (registry/ownership/drawing.py) on the server: SVG that
works without JavaScript and prints, and GraphML for journalists' own tools.

Layout: one row per level (owners above, holdings below), at most ``PER_ROW`` boxes a row
(a longer level wraps), each row ordered by where its neighbours in the rows above sit
(a barycentre pass), which keeps the crossings down on the small graphs drawn here. Only SVG
presentation attributes are used, never ``style=``: the pages' Content-Security-Policy
allows no inline style.
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from registry.ownership.drawing import Drawing, Node

BOX_W, BOX_H = 210, 50
GAP_X, GAP_Y = 64, 74
MARGIN = 20
PER_ROW = 6
MAX_LABEL = 23
FILL = {"company": "#e8eef4", "person": "#fdf1dc", "public_body": "#e6f2e2",
        "undisclosed": "#ffffff", "contract": "#f1e8f6", "more": "#f3f3f3"}
KIND_LABEL = {"company": "company", "person": "person", "public_body": "public body",
              "undisclosed": "not disclosed", "contract": "contract",
              "more": "folded: see the full list"}
INK, MUTED, RED = "#1d1d1b", "#4a4a4a", "#a3151a"


def _short(text: str, n: int = MAX_LABEL) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def layout(d: Drawing) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Top-left corner of each node's box, and the drawing's width and height."""
    by_level: dict[int, list[Node]] = defaultdict(list)
    for n in d.nodes:
        by_level[n.level].append(n)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for e in d.edges:
        neighbours[e.source].append(e.target)
        neighbours[e.target].append(e.source)
    pos: dict[str, tuple[float, float]] = {}
    rows: list[list[Node]] = []
    for level in sorted(by_level):
        members = by_level[level]
        # Order by the mean x of the neighbours already placed (rows above); ties by name.
        def key(n: Node) -> tuple[float, str]:
            xs = [pos[m][0] for m in neighbours[n.key] if m in pos]
            return (sum(xs) / len(xs) if xs else 1e9, n.label)
        members.sort(key=lambda n: (not n.focus, *key(n)) if level == 0 else key(n))
        for i in range(0, len(members), PER_ROW):
            row = members[i:i + PER_ROW]
            for j, n in enumerate(row):
                pos[n.key] = (j, len(rows))
            rows.append(row)
    widest = max((len(r) for r in rows), default=1)
    width = max(MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X, 430)
    out: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        row_w = len(row) * BOX_W + (len(row) - 1) * GAP_X
        x0 = (width - row_w) / 2
        for j, n in enumerate(row):
            out[n.key] = (x0 + j * (BOX_W + GAP_X), MARGIN + r * (BOX_H + GAP_Y))
    height = MARGIN * 2 + len(rows) * BOX_H + max(len(rows) - 1, 0) * GAP_Y + 46
    return out, width, height


def svg(d: Drawing, *, prefix: str = "g", base_url: str = "",
        expand_url: str | None = None) -> str:
    """The drawing as a standalone SVG document fragment (``<svg>...</svg>``): inline in a
    page, or served as ``image/svg+xml``. ``base_url`` makes the node links absolute (for
    the downloaded file); ``prefix`` keeps ids unique when a page holds two drawings."""
    pos, width, height = layout(d)
    centre = {k: (x + BOX_W / 2, y + BOX_H / 2) for k, (x, y) in pos.items()}
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    people = sum(1 for n in d.nodes if n.kind == "person")
    desc = (f"{len(d.nodes)} nodes ({people} persons) and {len(d.edges)} relationships as of "
            f"{d.as_of}. Arrows point from owner to owned; dashed: ended; red: on an ownership "
            f"loop; dotted: the same party in another record.")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="group" '
           f'aria-labelledby="{title_id} {desc_id}" class="ownership-graph" '
           f'font-family="system-ui, sans-serif">',
           f'<title id="{title_id}">{escape(d.title)}</title>',
           f'<desc id="{desc_id}">{escape(desc)}</desc>',
           '<defs>',
           f'<marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           f'<path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker>',
           f'<marker id="{prefix}-arrow-red" viewBox="0 0 10 10" refX="10" refY="5" '
           f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           f'<path d="M0,0 L10,5 L0,10 z" fill="{RED}"/></marker>',
           '</defs>',
           f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>']
    labels: list[str] = []
    for e in d.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (sx, sy), (tx, ty) = centre[e.source], centre[e.target]
        # Leave from the box's bottom (or top) edge and arrive at the other's.
        down = ty >= sy
        sy2 = sy + (BOX_H / 2 if down else -BOX_H / 2) if abs(ty - sy) > 1 else sy
        ty2 = ty - (BOX_H / 2 if down else -BOX_H / 2) if abs(ty - sy) > 1 else ty
        if abs(ty - sy) <= 1:  # same row: side to side
            sx, tx = (sx + BOX_W / 2, tx - BOX_W / 2) if tx > sx else (sx - BOX_W / 2,
                                                                        tx + BOX_W / 2)
        colour = RED if e.cycle else MUTED
        dash = (' stroke-dasharray="7 5"' if e.ended
                else ' stroke-dasharray="2 4"' if e.kind == "same" else "")
        marker = "" if e.kind == "same" else (
            f' marker-end="url(#{prefix}-arrow{"-red" if e.cycle else ""})"')
        what = {"ownership": "owns", "same": "is the same party as", "supplies": "supplies"}
        tip = (f"{_label_of(d, e.source)} {what[e.kind]} {_label_of(d, e.target)}"
               f"{' ' + e.label if e.label else ''}{' (ended)' if e.ended else ''}"
               f"{' (on an ownership loop)' if e.cycle else ''}")
        out.append(f'<g class="edge{" ended" if e.ended else ""}{" cycle" if e.cycle else ""}">'
                   f'<title>{escape(tip)}</title>'
                   f'<line x1="{sx:.1f}" y1="{sy2:.1f}" x2="{tx:.1f}" y2="{ty2:.1f}" '
                   f'stroke="{colour}" stroke-width="{2.2 if e.cycle else 1.6}"{dash}{marker}/>'
                   '</g>')
        text = e.label + (" · ended" if e.ended else "") + (" · loop" if e.cycle else "")
        if text:
            # Just below (or above) the owner's box, in the gap between rows: a midpoint
            # could fall behind the boxes of a row the edge crosses.
            span = ty2 - sy2
            t = min(0.5, (GAP_Y * 0.4) / abs(span)) if abs(span) > 1 else 0.5
            mx, my = sx + (tx - sx) * t, sy2 + span * t
            w = 7 * len(text) + 8
            labels.append(f'<g class="edge-label"><rect x="{mx - w / 2:.1f}" y="{my - 10:.1f}" '
                          f'width="{w:.0f}" height="18" rx="3" fill="#ffffff" '
                          f'stroke="#d0d0d0"/><text x="{mx:.1f}" y="{my + 3.5:.1f}" '
                          f'font-size="12" text-anchor="middle" fill="{RED if e.cycle else INK}">'
                          f'{escape(text)}</text></g>')
    for n in d.nodes:
        x, y = pos[n.key]
        fill = FILL.get(n.kind, "#ffffff")
        stroke = RED if n.kind == "undisclosed" else INK
        dash = ' stroke-dasharray="5 3"' if n.kind == "undisclosed" else ""
        sub = KIND_LABEL.get(n.kind, n.kind) + (f": {n.note}" if n.note and n.kind
                                                == "undisclosed" else "")
        box = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
               f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if n.focus else 1.2}"{dash}/>'
               f'<text x="{x + 10:.1f}" y="{y + 20:.1f}" font-size="13" font-weight="600" '
               f'fill="{INK}">{escape(("? " if n.kind == "undisclosed" else "") + _short(n.label))}'
               f'</text><text x="{x + 10:.1f}" y="{y + 38:.1f}" font-size="11.5" '
               f'fill="{MUTED}">{escape(_short(sub, 32))}</text>')
        name = escape(n.label + (f" ({sub})" if sub else ""))
        if n.url:
            out.append(f'<a href={quoteattr(base_url + n.url)} class="node"><title>{name}</title>'
                       f'{box}</a>')
        else:
            out.append(f'<g class="node"><title>{name}</title>{box}</g>')
        if n.hidden:
            more = f"+{n.hidden} more"
            link = (f"{base_url}{n.url}#ownership-graph" if n.url else expand_url)
            badge = (f'<text x="{x + BOX_W - 8:.1f}" y="{y + BOX_H + 15:.1f}" font-size="12" '
                     f'text-anchor="end" fill="#0b5394" text-decoration="underline">'
                     f'{escape(more)}</text>')
            if link:
                out.append(f'<a href={quoteattr(link)} class="more"><title>{escape(more)}: '
                           f'the ownership around {escape(n.label)}</title>{badge}</a>')
            else:
                out.append(badge)
    out += labels  # over the boxes' edges, never hidden by a row an edge crosses
    legend = ("Arrows: owner → owned · dashed: ended · red: ownership loop",
              "? : owner not disclosed · dotted: the same party in another record")
    for i, line in enumerate(legend):
        out.append(f'<text x="{MARGIN}" y="{height - 24 + 14 * i:.0f}" font-size="11.5" '
                   f'fill="{MUTED}">{escape(line)}</text>')
    out.append("</svg>")
    return "".join(out)


def _label_of(d: Drawing, key: str) -> str:
    for n in d.nodes:
        if n.key == key:
            return n.label
    return key


def graphml(d: Drawing, base_url: str = "") -> str:
    """GraphML (yEd, Gephi, Cytoscape, networkx read it) with the same nodes and edges."""
    keys = [("label", "node", "string"), ("kind", "node", "string"),
            ("entity_id", "node", "long"), ("url", "node", "string"),
            ("note", "node", "string"), ("focus", "node", "boolean"),
            ("hidden", "node", "int"), ("level", "node", "int"),
            ("type", "edge", "string"), ("share", "edge", "string"),
            ("ended", "edge", "boolean"), ("cycle", "edge", "boolean"),
            ("relationship_id", "edge", "long"), ("interests", "edge", "string")]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for name, domain, typ in keys:
        out.append(f'<key id="{name}" for="{domain}" attr.name="{name}" attr.type="{typ}"/>')
    out.append(f'<graph id="ownership" edgedefault="directed"><desc>{escape(d.title)} as of '
               f'{escape(d.as_of)}</desc>')

    def data(k: str, v: object) -> str:
        if v is None or v == "":
            return ""
        text = str(v).lower() if isinstance(v, bool) else str(v)
        return f'<data key="{k}">{escape(text)}</data>'

    for n in d.nodes:
        out.append(f"<node id={quoteattr(n.key)}>" + data("label", n.label)
                   + data("kind", n.kind) + data("entity_id", n.entity_id)
                   + data("url", base_url + n.url if n.url else None) + data("note", n.note)
                   + data("focus", n.focus) + data("hidden", n.hidden) + data("level", n.level)
                   + "</node>")
    for i, e in enumerate(d.edges):
        out.append(f'<edge id="r{i}" source={quoteattr(e.source)} target={quoteattr(e.target)}>'
                   + data("type", e.kind) + data("share", e.label) + data("ended", e.ended)
                   + data("cycle", e.cycle) + data("relationship_id", e.relationship_id)
                   + data("interests", ",".join(e.interests)) + "</edge>")
    out.append("</graph></graphml>")
    return "\n".join(out)
