"""Linking: find, for each procurement party, registrant, client, lobbyist and donor, the same
real-world party in the other datasets, and decide what ``links`` should hold for each pair,
with its evidence (registry/links/writer.py writes the decisions).

For each probe entity: candidates come from the candidate source (top k by name, filtered by
kind and country, other datasets only), from equal normalised identifiers, and from the
probe's existing machine links (so that every stored ``auto``/``candidate`` link is
re-scored, and dropped when it no longer qualifies). Each pair is scored by the matcher
(search/matching), keyed ``left_id < right_id``: to be kept (upserted) or dropped. Pairs
with a human decision (``confirmed``, ``rejected``) are never scored again, so a rejected
pair is never proposed again.

``decide_links(session, source, entity_ids)`` reads and scores, and writes nothing;
``registry.links.writer.link_entities`` is the entry point that also writes (DESIGN §4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.backend import Candidate, CandidateQuery
from search.identifiers import canonical_scheme
from search.matching.features import Party
from search.matching.model import MatchResult, match
from search.matching.names import prepare_name
from search.normalize import normalize_name
from search.options import SearchConfig
from search.text import ascii_text

DEFAULT_K = 10
# Trigram similarity a candidate's best name needs to be scored at all.
LINK_SIMILARITY = 0.45
MAX_QUERY_NAMES = 3

# Datasets whose identifiers are declared by the party itself (the lobbying register's
# entries and their clients, registry.registrants.publish.DATASET): anyone may type any
# company number, so equal identifiers there make a candidate for a registrar to confirm.
SELF_DECLARED_DATASETS = frozenset({"register"})


class CandidateSource(Protocol):
    """What linking needs from search: ``SearchBackend`` has this method."""

    async def candidates(self, query: CandidateQuery) -> list[Candidate]: ...


def default_candidate_source(session: AsyncSession, options: SearchConfig | None = None,
                             backend: CandidateSource | None = None) -> CandidateSource:
    """THE candidate source every linking path uses (``registry link``, linking after an
    import or an approval, ``/match``): switch it here, once.

    With OpenSearch configured (``options.opensearch_url``), ``backend``: the long-lived
    search backend that the caller owns and closes (the app's, or the one a linking run
    opens); a client per call would leak its connections. Otherwise, and when no backend is
    given, PostgreSQL's blocking keys with a trigram re-rank (search/blocking.py), run in
    this session so that linking sees its own transaction.
    """
    if backend is not None and options is not None and options.opensearch_url:
        return backend
    from search.blocking import BlockingCandidates

    return BlockingCandidates(session, min_similarity=LINK_SIMILARITY)


@dataclass(slots=True)
class Probe:
    entity_id: int
    dataset: str
    party: Party
    # Names with the days they were in force, when the source says (a register's previous
    # names); names without dates are in force at any date.
    spans: tuple[tuple[str, dt.date | None, dt.date | None], ...] = ()
    # The award dates of a supplier: the days its name was written.
    dates: tuple[dt.date, ...] = ()


@dataclass
class LinkDecisions:
    """What linking decided for a batch of probes: the pairs (``left_id < right_id``) whose
    machine link is to be written, and those whose machine link, if any, is to go."""

    probes: int = 0
    pairs_scored: int = 0
    upserts: dict[tuple[int, int], MatchResult] = field(default_factory=dict)
    drops: set[tuple[int, int]] = field(default_factory=set)


PROBE_IDS = text("""
SELECT entity_id FROM contract_parties
UNION SELECT entity_id FROM registrants WHERE entity_id IS NOT NULL
UNION SELECT entity_id FROM clients WHERE entity_id IS NOT NULL
UNION SELECT entity_id FROM lobbyists WHERE entity_id IS NOT NULL
UNION SELECT donor_id FROM donations WHERE donor_id IS NOT NULL
ORDER BY 1
""")

_LOAD = text("""
SELECT e.id, e.kind, e.dataset, e.country, e.name, e.legal_form, e.birth_date, e.addresses,
       ARRAY(SELECT n.name FROM entity_names n WHERE n.entity_id = e.id ORDER BY n.id) AS names,
       ARRAY(SELECT n.valid_from FROM entity_names n WHERE n.entity_id = e.id
             ORDER BY n.id) AS name_from,
       ARRAY(SELECT n.valid_to FROM entity_names n WHERE n.entity_id = e.id
             ORDER BY n.id) AS name_to,
       ARRAY(SELECT i.scheme FROM entity_identifiers i WHERE i.entity_id = e.id
             ORDER BY i.id) AS schemes,
       ARRAY(SELECT i.normalized FROM entity_identifiers i WHERE i.entity_id = e.id
             ORDER BY i.id) AS ids
FROM entities e WHERE e.id = ANY(:ids)
""")

_AWARD_DATES = text("""
SELECT s.entity_id, array_agg(DISTINCT CAST(coalesce(a.date, c.date) AS date)) AS dates
FROM award_suppliers s
JOIN awards a ON a.id = s.award_id
JOIN contracts c ON c.id = a.contract_id
WHERE s.entity_id = ANY(:ids) AND coalesce(a.date, c.date) IS NOT NULL
GROUP BY s.entity_id
""")

_BY_IDENTIFIER = text("""
SELECT DISTINCT p.id AS probe_id, e.id AS entity_id, i2.scheme
FROM entity_identifiers i1
JOIN entities p ON p.id = i1.entity_id
JOIN entity_identifiers i2 ON i2.normalized = i1.normalized AND i2.entity_id <> i1.entity_id
JOIN entities e ON e.id = i2.entity_id AND e.kind = p.kind AND e.dataset <> p.dataset
WHERE i1.entity_id = ANY(:ids)
""")

_EXISTING = text("""
SELECT left_id, right_id, status FROM links
WHERE left_id = ANY(:ids) OR right_id = ANY(:ids)
""")

def _address_text(address: Any) -> str | None:
    if isinstance(address, str):
        return address
    if isinstance(address, dict):
        parts = [address.get("address"), address.get("postCode"), address.get("postalCode")]
        joined = " ".join(str(p) for p in parts if p)
        return joined or None
    return None


async def load_parties(session: AsyncSession, ids: Iterable[int]) -> dict[int, Probe]:
    wanted = list(set(ids))
    rows = await session.execute(_LOAD, {"ids": wanted})
    out: dict[int, Probe] = {}
    for r in rows:
        names = tuple(dict.fromkeys([r.name, *r.names]))
        identifiers = tuple((canonical_scheme(s), v) for s, v in zip(r.schemes, r.ids,
                                                                     strict=True))
        addresses = tuple(a for a in (_address_text(x) for x in (r.addresses or [])) if a)
        spans = tuple((n, f, t) for n, f, t in zip(r.names, r.name_from, r.name_to,
                                                   strict=True) if f or t)
        out[r.id] = Probe(r.id, r.dataset, Party(
            kind=r.kind, names=names, country=r.country, identifiers=identifiers,
            addresses=addresses, legal_form=r.legal_form, birth_date=r.birth_date),
            spans=spans)
    if out:
        for r in await session.execute(_AWARD_DATES, {"ids": wanted}):
            if r.entity_id in out:
                out[r.entity_id].dates = tuple(sorted(r.dates))
    return out


def names_in_force(target: Probe, dates: Sequence[dt.date]) -> tuple[str, ...] | None:
    """The target's names in force on one of ``dates`` (award dates), when its names' dates
    say something else than "all of them"; None: use all its names. A company renamed
    before the award is not found by its old name, nor by its new one before the change."""
    if not target.spans or not dates:
        return None
    spans = {n: (f, t) for n, f, t in target.spans}

    def in_force(start: dt.date | None, end: dt.date | None) -> bool:
        return any((start is None or start <= d) and (end is None or d <= end) for d in dates)

    kept = tuple(n for n in target.party.names if n not in spans or in_force(*spans[n]))
    return kept if kept and kept != target.party.names else None


def _on_award_dates(probe: Probe, target: Probe) -> tuple[Probe, Probe, str | None]:
    """The pair as matching should see it: a supplier's names against the names the other
    side had on the award dates (either side may be the supplier)."""
    for supplier, other in ((probe, target), (target, probe)):
        kept = names_in_force(other, supplier.dates)
        if kept is not None:
            days = ", ".join(d.isoformat() for d in supplier.dates[:3])
            narrowed = Probe(other.entity_id, other.dataset,
                             dataclasses.replace(other.party, names=kept), other.spans)
            rule = f"names in force on the award date ({days}) only"
            return ((narrowed, supplier, rule) if other is probe
                    else (supplier, narrowed, rule))
    return probe, target, None


def query_names(party: Party) -> list[str]:
    """The names to search with: each name latinised with its legal form set aside (``S.r.l.``
    becomes the one-letter words ``s r l``, whose trigrams are in every other name), and as
    written when that is another script, deduplicated."""
    out: dict[str, None] = {}
    for name in party.names[:MAX_QUERY_NAMES]:
        variants = [prepare_name(name, party.kind).core or ascii_text(name)]
        if not name.isascii():
            variants.append(name)  # the other side may be in the same script
        for variant in variants:
            if normalize_name(variant):
                out.setdefault(variant, None)
    return list(out)


async def _search(source: CandidateSource, queries: list[CandidateQuery]) -> list[list[Candidate]]:
    many = getattr(source, "candidates_many", None)
    if many is not None:
        result: list[list[Candidate]] = await many(queries)
        return result
    return [await source.candidates(q) for q in queries]


async def probe_ids(session: AsyncSession) -> list[int]:
    return [int(r[0]) for r in await session.execute(PROBE_IDS)]


async def decide_links(session: AsyncSession, source: CandidateSource,
                       entity_ids: Sequence[int], *, k: int = DEFAULT_K) -> LinkDecisions:
    """What the links of these entities (probes) to the other datasets should be. Reads in
    the caller's session (and transaction, so it sees what the caller wrote); writes
    nothing."""
    out = LinkDecisions()
    probes = await load_parties(session, entity_ids)
    out.probes = len(probes)
    if not probes:
        return out
    pairs: dict[int, set[int]] = {pid: set() for pid in probes}
    queries: list[CandidateQuery] = []
    owners: list[int] = []
    for pid, probe in probes.items():
        for name in query_names(probe.party):
            queries.append(CandidateQuery(name=name, kind=probe.party.kind,
                                          country=probe.party.country,
                                          exclude_dataset=probe.dataset, limit=k))
            owners.append(pid)
    for pid, hits in zip(owners, await _search(source, queries), strict=True):
        pairs[pid].update(c.entity_id for c in hits)
    for row in await session.execute(_BY_IDENTIFIER, {"ids": list(probes)}):
        pairs[row.probe_id].add(row.entity_id)
    decided: set[tuple[int, int]] = set()
    for row in await session.execute(_EXISTING, {"ids": list(probes)}):
        if row.status in ("confirmed", "rejected"):
            decided.add((row.left_id, row.right_id))
        else:  # re-score every machine link of the probe
            pid, other = ((row.left_id, row.right_id) if row.left_id in probes
                          else (row.right_id, row.left_id))
            pairs[pid].add(other)
    others = {o for found in pairs.values() for o in found} - set(probes)
    targets = {**probes, **(await load_parties(session, others))}

    upserts = out.upserts
    drops = out.drops
    for pid, found in pairs.items():
        probe = probes[pid]
        # (target dataset) -> keys of this probe's auto links by name, to catch ambiguity.
        by_name: dict[str, list[tuple[int, int]]] = {}
        for other in found:
            target = targets.get(other)
            if target is None or other == pid or target.dataset == probe.dataset:
                continue
            key = (min(pid, other), max(pid, other))
            if key in decided or key in upserts or key in drops:
                continue
            seen_probe, seen_target, dated = _on_award_dates(probe, target)
            left, right = ((seen_probe, seen_target) if pid < other
                           else (seen_target, seen_probe))
            result = match(left.party, right.party)
            if dated is not None:
                result.rules.append(dated)
            out.pairs_scored += 1
            if (result.status == "auto" and result.method == "identifier"
                    and SELF_DECLARED_DATASETS & {probe.dataset, target.dataset}):
                result.status = "candidate"
                result.rules.append("a self-declared identifier makes a candidate until a "
                                    "registrar confirms it")
            if result.status is None:
                drops.add(key)
            else:
                upserts[key] = result
                if result.status == "auto" and result.method == "name":
                    by_name.setdefault(target.dataset, []).append(key)
        for dataset, keys in by_name.items():
            if len(keys) > 1:
                # One party cannot be two entities of one source: a name that fits several
                # is ambiguous, and a person has to pick.
                for key in keys:
                    upserts[key].status = "candidate"
                    upserts[key].rules.append(
                        f"ambiguous: {len(keys)} entities of {dataset} fit this name")
    return out
