"""The identifier join: entities of different datasets that carry the same registration
(``GB-COH 09145694`` in the company register, the PSC snapshot and a BODS statement) are one
party, linked as soon as the second of them is imported, whatever the order.

Linking proper (``search/linking.py``) starts from the probes (procurement parties,
registrants, clients, lobbyists) and searches by name; a PSC company is named only by its
number and is no probe, so without this join the names found in the register and the owners
found in the snapshot would never meet. Set-based and cheap: one indexed join per import
batch on ``entity_identifiers.normalized``, then the scheme rules of
``search/identifiers.py`` (equal normalised values of one canonical scheme decide, DESIGN §3)
in Python. The links are ``auto`` with method ``identifier`` and score 1, as the matcher
gives for equal identifiers; human decisions are never touched, and a name link the machine
made between the same pair is replaced by the decisive one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.driver import session_driver
from search.identifiers import Agreement, canonical_scheme, compare_identifiers
from search.matching.model import MATCHER_VERSION

RULE = "equal identifiers in one scheme decide"
JOINED = "joined by identifier at import"

# Per identifier at most MAX_SHARED others: a registration is in a few records (register,
# PSC, BODS, suppliers); a value in hundreds is a placeholder ("N/A", "0") that must not
# join every record that carries it to every other.
MAX_SHARED = 50

# Run on the driver (asyncpg records, read by position): on the SQLAlchemy session, building
# and reading its rows was most of the join's Python time in a register import.
_SAME_IDENTIFIER = f"""
SELECT i1.entity_id AS a, o.entity_id AS b, i1.scheme AS scheme_a, o.scheme AS scheme_b,
       i1.value AS value_a, o.value AS value_b, i1.normalized AS na, o.normalized AS nb,
       e1.name AS name_a, o.name AS name_b,
       coalesce(e1.data->>'placeholder' = 'true', false) AS placeholder_a, o.placeholder_b
FROM entity_identifiers i1
JOIN entities e1 ON e1.id = i1.entity_id
CROSS JOIN LATERAL (
    SELECT i2.entity_id, i2.scheme, i2.value, i2.normalized, e2.name,
           coalesce(e2.data->>'placeholder' = 'true', false) AS placeholder_b
    FROM entity_identifiers i2
    JOIN entities e2 ON e2.id = i2.entity_id AND e2.kind = e1.kind AND e2.dataset <> e1.dataset
    WHERE i2.normalized = i1.normalized AND i2.entity_id <> i1.entity_id
    LIMIT {MAX_SHARED}
) o
WHERE i1.entity_id = ANY($1::bigint[])
"""

# A pair a person decided, or that already has its identifier link, stays as it is.
_UPSERT = text("""
INSERT INTO links (left_id, right_id, score, status, method, evidence, matcher_version)
SELECT l, r, 1.0, 'auto', 'identifier', ev, :v
FROM unnest(CAST(:l AS bigint[]), CAST(:r AS bigint[]), CAST(:ev AS jsonb[])) AS t(l, r, ev)
ON CONFLICT (left_id, right_id) DO UPDATE SET
    score = EXCLUDED.score, status = EXCLUDED.status, method = EXCLUDED.method,
    evidence = EXCLUDED.evidence, matcher_version = EXCLUDED.matcher_version,
    updated_at = now()
WHERE links.status = 'candidate' OR (links.status = 'auto' AND links.method <> 'identifier')
""")


# A placeholder (a PSC company known only by its number) is shown with the name of a
# record it is joined to: ``data.known_as``, for display only (its own name stays the number
# its source gave).
_KNOWN_AS = text("""
UPDATE entities e SET data = jsonb_set(e.data, '{known_as}', to_jsonb(v.name))
FROM unnest(CAST(:ids AS bigint[]), CAST(:names AS text[])) AS v(id, name)
WHERE e.id = v.id AND e.data->>'known_as' IS DISTINCT FROM v.name
""")


def evidence(scheme: str, left: str, right: str, names: tuple[str, str]) -> dict[str, Any]:
    """The evidence of an identifier link, in the shape the matcher stores."""
    return {"matcher_version": MATCHER_VERSION, "method": "identifier", "score": 1.0,
            "features": {},
            "identifier": {"scheme": scheme, "left": left, "right": right,
                           "agreement": "equal"},
            "names": {"left": names[0], "right": names[1]}, "rules": [RULE, JOINED]}


async def join_by_identifier(session: AsyncSession, entity_ids: Collection[int]) -> int:
    """Link ``entity_ids`` to the entities of the same kind in other datasets that carry an
    equal identifier. Runs in the caller's transaction; returns the pairs found."""
    if not entity_ids:
        return 0
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    known_as: dict[int, tuple[int, str]] = {}  # placeholder -> (named record, its name)
    driver = await session_driver(session)
    rows = await driver.fetch(_SAME_IDENTIFIER, sorted(set(entity_ids)))
    for a, b, scheme_a, scheme_b, _, _, na, nb, name_a, name_b, placeholder_a, placeholder_b \
            in rows:
        scheme = canonical_scheme(scheme_a)
        if scheme != canonical_scheme(scheme_b):
            continue
        if compare_identifiers(scheme, na, nb) is not Agreement.EQUAL:
            continue
        if a < b:
            key, names = (a, b), (name_a, name_b)
        else:
            key, names = (b, a), (name_b, name_a)
        if key not in pairs:
            pairs[key] = evidence(scheme, na, nb, names)
        for placeholder, is_placeholder, named, name, named_is_placeholder in (
                (a, placeholder_a, b, name_b, placeholder_b),
                (b, placeholder_b, a, name_a, placeholder_a)):
            # The earliest record of the party names it: the same name every time.
            if (is_placeholder and not named_is_placeholder and name
                    and (placeholder not in known_as or named < known_as[placeholder][0])):
                known_as[placeholder] = (named, name)
    if known_as:
        ids = sorted(known_as)
        await session.execute(_KNOWN_AS, {"ids": ids,
                                          "names": [known_as[i][1] for i in ids]})
    if pairs:
        keys = sorted(pairs)
        await session.execute(_UPSERT, {
            "l": [k[0] for k in keys], "r": [k[1] for k in keys],
            "ev": [msgspec.json.encode(pairs[k]).decode() for k in keys],
            "v": MATCHER_VERSION})
    return len(pairs)
