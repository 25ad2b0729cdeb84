"""Ownership as a graph to draw: around an entity, or behind a contract's suppliers.

A ``Drawing`` is plain data (nodes with a level, edges with a share label) that
``registry/pages/graph_svg.py`` lays out as SVG and writes as GraphML or JSON. Owners sit
above what they own (negative levels), holdings below. Unlike ``graph_as_of`` it also keeps
relationships whose interests have ended by the day asked about (drawn dashed), marks the
edges of ownership loops and draws undisclosed owners (BODS unspecified records) as nodes
of their own. It stays readable: at most ``max_nodes`` nodes within ``depth`` steps; a node
at the edge says how many relationships were left out, and the page links to a deeper view.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity, Relationship

from .service import _version_in_force, cutoff
from .shares import ShareRange, interest_range, total

MAX_NODES = 50
MAX_PER_LEVEL = 12  # more at one level are folded into one "+N more" node
DEFAULT_DEPTH = 2
MAX_DEPTH = 6
OWNERSHIP_TYPE = "shareholding"


@dataclass(slots=True)
class Node:
    key: str  # "e{entity id}", "u{relationship id}" (undisclosed owner) or "contract"
    label: str
    kind: str  # company | person | public_body | undisclosed | contract
    level: int  # 0 the focus; owners above (<0), holdings below (>0)
    entity_id: int | None = None
    focus: bool = False
    hidden: int = 0  # relationships beyond the drawing (collapsed)
    note: str | None = None  # an undisclosed owner's reason; a contract's ocid
    url: str | None = None


@dataclass(slots=True)
class Edge:
    source: str  # the owner's node key (or the supplier, for kind "supplies")
    target: str  # what it owns
    kind: str  # ownership | same (a link between records) | supplies
    label: str  # "75%", ">50 to <75%", "score 0.97"
    ended: bool = False  # every interest had ended by the day drawn
    cycle: bool = False  # on an ownership loop
    relationship_id: int | None = None
    interests: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Drawing:
    title: str
    as_of: str
    depth: int
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool = False  # the node bound cut something off

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "as_of": self.as_of, "depth": self.depth,
                "truncated": self.truncated,
                "nodes": [{k: getattr(n, k) for k in n.__slots__} for n in self.nodes],
                "edges": [{k: getattr(e, k) for k in e.__slots__} for e in self.edges]}


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def share_label(s: ShareRange | None) -> str:
    if s is None:
        return ""
    if s.min == s.max and not s.exclusive_min and not s.exclusive_max:
        return f"{_num(float(s.min))}%"
    return (f"{'>' if s.exclusive_min else ''}{_num(float(s.min))} to "
            f"{'<' if s.exclusive_max else ''}{_num(float(s.max))}%")


def _interest_share(rel: Relationship, ended: bool, on: dt.date) -> tuple[str, list[str]]:
    """The shareholding label and the interest types of the interests drawn: those in force
    on ``on``, or for an ended relationship those that ended."""
    started = [i for i in rel.interests if i.start_date is None or i.start_date <= on]
    chosen = [i for i in started if ((i.end_date is not None and i.end_date <= on) if ended
                                     else (i.end_date is None or i.end_date > on))]
    if ended and not chosen:
        chosen = started  # a closed record: its interests ended with it
    held = [interest_range(i.share_exact, i.share_min, i.share_max, i.share_exclusive_min,
                           i.share_exclusive_max)
            if (i.share_exact is not None or i.share_min is not None
                or i.share_max is not None) else None
            for i in chosen if i.type == OWNERSHIP_TYPE]
    label = ""
    if held:
        label = (share_label(total(h for h in held if h is not None))
                 if all(h is not None for h in held) else "share unstated")
    return label, sorted({i.type for i in chosen})


def _state(rel: Relationship, on: dt.date) -> str | None:
    """``current``, ``ended`` or None (not begun yet: not drawn)."""
    if not rel.interests:
        return "ended" if rel.is_closed else "current"
    started = [i for i in rel.interests if i.start_date is None or i.start_date <= on]
    if not started:
        return None
    if not rel.is_closed and any(i.end_date is None or i.end_date > on for i in started):
        return "current"
    return "ended"


async def _relationships(session: AsyncSession, ids: Iterable[int],
                         on: dt.date) -> list[Relationship]:
    """Each relationship record touching ``ids`` in its version in force on ``on``,
    components left out (their declared indirect relationship is drawn instead)."""
    wanted = list(set(ids))
    if not wanted:
        return []
    rows = (await session.scalars(select(Relationship).where(or_(
        Relationship.subject_id.in_(wanted),
        Relationship.interested_party_id.in_(wanted))))).all()
    records: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for r in rows:
        records[(r.dataset, r.source_key)].append(r)
    at = cutoff(on)
    chosen = [_version_in_force(v, at) for v in records.values()]
    return sorted((r for r in chosen if not r.is_component), key=lambda r: r.id)


def _entity_node(e: Entity, level: int) -> Node:
    return Node(key=f"e{e.id}", label=e.name, kind=e.kind, level=level, entity_id=e.id,
                url=f"/entities/{e.id}")


def mark_cycles(edges: list[Edge]) -> None:
    """Flags the ownership edges (in force) that lie on a loop: both ends in one strongly
    connected component (Tarjan, iterative)."""
    graph: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.kind == "ownership" and not e.ended:
            graph[e.source].append(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in list(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            succ = graph.get(v, [])
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = index[v]
                    if w == v:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    for e in edges:
        if e.kind == "ownership" and not e.ended and e.source in comp and \
                comp.get(e.source) == comp.get(e.target):
            size = sum(1 for c in comp.values() if c == comp[e.source])
            e.cycle = size > 1 or e.source == e.target


async def entity_drawing(session: AsyncSession, entity_id: int, as_of: dt.date,
                         depth: int = DEFAULT_DEPTH, max_nodes: int = MAX_NODES) -> Drawing:
    """The ownership around ``entity_id`` on ``as_of``, ``depth`` steps either way."""
    focus = await session.get(Entity, entity_id)
    if focus is None:
        raise LookupError(f"no entity {entity_id}")  # callers answer 404 before asking
    nodes: dict[str, Node] = {f"e{entity_id}": _entity_node(focus, 0)}
    nodes[f"e{entity_id}"].focus = True
    edges: dict[int, Edge] = {}
    levels = {entity_id: 0}
    frontier = {entity_id}
    truncated = False
    entities: dict[int, Entity] = {entity_id: focus}
    for step in range(depth + 1):
        rels = [(r, s) for r in await _relationships(session, frontier, as_of)
                if (s := _state(r, as_of)) is not None]
        if step == depth:
            # One step beyond: only counted, shown as "+N" on the nodes at the edge.
            for r, _ in rels:
                if r.id in edges:
                    continue
                for near, far in ((r.subject_id, r.interested_party_id),
                                  (r.interested_party_id, r.subject_id)):
                    if near in frontier and (far is None or f"e{far}" not in nodes):
                        nodes[f"e{near}"].hidden += 1
            break
        missing = {i for r, _ in rels for i in (r.subject_id, r.interested_party_id)
                   if i is not None and i not in entities}
        if missing:
            for e in (await session.scalars(select(Entity).where(Entity.id.in_(missing)))):
                entities[e.id] = e
        nxt: set[int] = set()
        for r, state in rels:
            if r.id in edges:
                continue
            sub, party = r.subject_id, r.interested_party_id
            if sub is None or sub not in entities:
                continue
            if party is not None and party not in entities:
                continue
            # The near end is in the frontier; the far end is placed a level up (an owner)
            # or down (a holding).
            for far, level in ((party, levels.get(sub, 0) - 1), (sub, levels.get(party or -1,
                                                                                 0) + 1)):
                if far is None or far in levels:
                    continue
                if len(nodes) >= max_nodes:
                    truncated = True
                    near = sub if far == party else party
                    if near is not None and f"e{near}" in nodes:
                        nodes[f"e{near}"].hidden += 1
                    break
                levels[far] = level
                nodes[f"e{far}"] = _entity_node(entities[far], level)
                nxt.add(far)
            if (party is not None and party not in levels) or sub not in levels:
                continue
            label, types = _interest_share(r, state == "ended", as_of)
            if party is None:
                if r.interested_unspecified is None or len(nodes) >= max_nodes:
                    continue
                key = f"u{r.id}"
                reason = r.interested_unspecified.get("reason")
                nodes[key] = Node(key=key, label="Undisclosed owner", kind="undisclosed",
                                  level=levels[sub] - 1,
                                  note=str(reason).replace("-", " ") if reason else None)
                source = key
            else:
                source = f"e{party}"
            edges[r.id] = Edge(source=source, target=f"e{sub}", kind="ownership", label=label,
                               ended=state == "ended", relationship_id=r.id, interests=types)
        frontier = nxt
        if not frontier:
            break
    out = list(edges.values())
    mark_cycles(out)
    return fold(Drawing(title=f"Ownership around {focus.name}", as_of=as_of.isoformat(),
                        depth=depth, nodes=list(nodes.values()), edges=out,
                        truncated=truncated), f"/entities/{entity_id}#{{section}}")


def contract_drawing(story: Any, max_nodes: int = MAX_NODES) -> Drawing:
    """Who is behind a contract (a ``BehindOut``) as a graph: the contract, each supplier,
    the records linked to it (dotted "same" edges with their score), their owners chain by
    chain (as on the award date), undisclosed owners and the loops where chains stop."""
    c = story.contract
    contract_key = "contract"
    nodes: dict[str, Node] = {contract_key: Node(
        key=contract_key, label=c.title or c.ocid, kind="contract", level=1, note=c.ocid,
        url=f"/contracts/{c.ocid}")}
    edges: dict[tuple[str, str, str], Edge] = {}
    truncated = False
    as_of = ""

    def add(ref: Any, level: int) -> str | None:
        nonlocal truncated
        key = f"e{ref.id}"
        if key not in nodes:
            if len(nodes) >= max_nodes:
                truncated = True
                return None
            nodes[key] = Node(key=key, label=ref.name, kind=ref.kind, level=level,
                              entity_id=ref.id, url=f"/entities/{ref.id}")
        return key

    def edge(e: Edge) -> None:
        edges.setdefault((e.source, e.target, e.kind), e)

    for s in story.suppliers:
        as_of = as_of or s.as_of
        sup = add(s.supplier, 0)
        if sup is None:
            continue
        nodes[sup].focus = True
        edge(Edge(source=sup, target=contract_key, kind="supplies", label=f"award {s.award_id}"))
        for linked in s.companies:
            prev = sup
            for h in linked.hops:
                a, b = add(h.from_, 0), add(h.to, 0)
                if a and b:
                    edge(Edge(source=a, target=b, kind="same", label=f"same {h.score:.2f}"))
                prev = b or prev
        for o in s.owners:
            for chain in o.chains:
                near = f"e{o.via_company.id}"
                level = nodes[near].level if near in nodes else 0
                for h in chain.hops:
                    level -= 1
                    if h.interested_party is None or h.subject is None:
                        break
                    sub = add(h.subject, level + 1)
                    party = add(h.interested_party, level)
                    if sub is None or party is None:
                        break
                    edge(Edge(source=party, target=sub, kind="ownership",
                              label=_share_out_label(h.share), relationship_id=h.relationship_id,
                              interests=sorted({i.type for i in h.interests})))
        for u in s.unknown_owners:
            if u.subject is None or not u.chain:
                continue
            sub = add(u.subject, -len(u.chain) + 1)
            if sub is None or len(nodes) >= max_nodes:
                truncated = True
                continue
            last = u.chain[-1]
            key = f"u{last.relationship_id}"
            nodes.setdefault(key, Node(key=key, label="Undisclosed owner", kind="undisclosed",
                                       level=nodes[sub].level - 1,
                                       note=(u.reason or "").replace("-", " ") or None))
            edge(Edge(source=key, target=sub, kind="ownership", label=_share_out_label(
                last.share), relationship_id=last.relationship_id))
        for loop in s.cycles:
            for a, b in itertools.pairwise(loop):
                # The loop lists owned → owner; its edges go owner → owned.
                e = edges.get((f"e{b.id}", f"e{a.id}", "ownership"))
                if e is not None:
                    e.cycle = True
    out = list(edges.values())
    mark_cycles(out)
    return fold(Drawing(title=f"Who is behind {c.title or c.ocid}", as_of=as_of, depth=0,
                        nodes=list(nodes.values()), edges=out, truncated=truncated),
                f"/contracts/{c.ocid}#behind")


def _weight(label: str) -> float:
    """How much an edge label says is held, for choosing what to show: the upper bound."""
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", label)]
    return max(numbers) if numbers else 0.0


def fold(d: Drawing, more_url: str, max_per_level: int = MAX_PER_LEVEL) -> Drawing:
    """Keeps a level to ``max_per_level`` nodes (``more_url`` may name ``{section}``, owners or
    holdings): the rest, those holding or held the least
    (and never the focus, an undisclosed owner or a node on a loop), become one "+N more"
    node linking to the full list, joined to where most of their edges went."""
    by_level: dict[int, list[Node]] = defaultdict(list)
    for n in d.nodes:
        by_level[n.level].append(n)
    on_loop = {k for e in d.edges if e.cycle for k in (e.source, e.target)}
    weight: dict[str, float] = defaultdict(float)
    for e in d.edges:
        for k in (e.source, e.target):
            weight[k] = max(weight[k], _weight(e.label) + (0 if e.ended else 1000))
    for level, members in sorted(by_level.items()):
        if len(members) <= max_per_level:
            continue
        keep = {n.key for n in members if n.focus or n.kind == "undisclosed" or n.key in on_loop}
        ranked = sorted((n for n in members if n.key not in keep),
                        key=lambda n: (-weight[n.key], n.label))
        keep |= {n.key for n in ranked[:max(max_per_level - 1 - len(keep), 0)]}
        dropped = {n.key for n in members if n.key not in keep}
        if not dropped:
            continue
        targets: dict[str, int] = defaultdict(int)
        for e in d.edges:
            if e.source in dropped and e.target not in dropped:
                targets[e.target] += 1
            elif e.target in dropped and e.source not in dropped:
                targets[e.source] += 1
        key = f"more{level}"
        hidden = sum(n.hidden for n in members if n.key in dropped)
        d.nodes = [n for n in d.nodes if n.key not in dropped]
        d.nodes.append(Node(key=key, label=f"+{len(dropped)} more", kind="more", level=level,
                            hidden=hidden,
                            url=more_url.format(section="owners" if level < 0 else "holdings"),
                            note=f"{len(dropped)} {'owners' if level < 0 else 'more'}"))
        d.edges = [e for e in d.edges if e.source not in dropped and e.target not in dropped]
        if targets:
            near = max(targets, key=lambda k: targets[k])
            src, dst = (key, near) if level < 0 else (near, key)
            d.edges.append(Edge(source=src, target=dst, kind="ownership",
                                label=f"{targets[near]} more"))
    return d


def _share_out_label(s: Any) -> str:
    if s is None:
        return ""
    if s.exact is not None:
        return f"{_num(s.exact)}%"
    return (f"{'>' if s.exclusive_min else ''}{_num(s.min)} to "
            f"{'<' if s.exclusive_max else ''}{_num(s.max)}%")
