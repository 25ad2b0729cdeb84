"""FollowTheMoney entities built by PostgreSQL, for ``registry publish``.

The same lines as :mod:`registry.exports.ftm` (the API's writer, which builds each entity
in Python through :class:`~registry.exports.ftm_model.Entity`), byte for byte: each step
lists an entity's ``[property, value]`` pairs in the order the Python writer adds them, and
one aggregate cleans them as ``Entity.add`` does (trimmed, empty dropped, dates cut to the
day, countries as lower-case ISO codes, a value kept once per property) and writes the
object with sorted keys. Ids are the same SHA-1 over the same parts. Residential addresses
and the day of birth are dropped as :mod:`registry.privacy` says;
``tests/test_bulk_exports.py`` compares both writers.
"""

from __future__ import annotations

import hashlib
import re
from typing import IO, Any

from registry.privacy import public_addresses_sql

from .copy_lines import copy_lines
from .ftm import LEI_SCHEMES, SCHEMA_BY_KIND, TAX_SUFFIXES
from .ftm_model import schemata

# str.strip()'s whitespace that occurs in practice.
_SPACE = "E' \\t\\n\\r\\x0b\\x0c\\u0085\\u00a0'"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _props(kind: str) -> set[str]:
    return {p for spec in schemata().values() for p, t in spec.items() if t == kind}


def _props_of(kind: str) -> str:
    return ", ".join(_lit(p) for p in sorted(_props(kind)))


_DATE_PROPS = _props("date")
_COUNTRY_PROPS = _props("country")


def ftm_id(*parts: str) -> str:
    """ftm.ftm_id's parts (NULL as empty) as a marker that :func:`_ids` turns into the id:
    PostgreSQL has no SHA-1 without pgcrypto. Equal parts, equal markers, equal ids."""
    return f"('@ftm:' || encode(convert_to(concat({', '.join(parts)}), 'UTF8'), 'hex') || '@')"


# A marker is a whole JSON string: its opening quote follows "[" or " " (an id or a list
# member); a quote inside a value is escaped (\"), so no text can pass for one.
_MARKER = re.compile(rb'(?<=[\[ ])"@ftm:([0-9a-f]*)@"')


def _id_of(match: re.Match[bytes]) -> bytes:
    digest = hashlib.sha1(bytes.fromhex(match.group(1).decode()))  # noqa: S324 (FtM's id)
    return b'"reg-' + digest.hexdigest().encode() + b'"'


class _Ids:
    """A file-like sink that replaces markers with ids, a whole line at a time."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.rest = b""

    def write(self, data: bytes) -> int:
        data = self.rest + data
        end = data.rfind(b"\n") + 1
        self.rest = data[end:]
        self.out.write(_MARKER.sub(_id_of, data[:end]))
        return len(data)


def _pair(prop: str, value: str) -> str:
    return f"jsonb_build_array({_lit(prop)}, ({value})::text)"


def _pairs(*pairs: tuple[str, str]) -> str:
    return "jsonb_build_array(" + ", ".join(_pair(p, v) for p, v in pairs) + ")"


def _clean(prop: str, value: str) -> str:
    """``Entity.add``'s cleaning of one value of ``prop``, as SQL (NULL: not added)."""
    v = f"btrim(({value})::text, {_SPACE})"
    if prop in _DATE_PROPS:
        return f"(CASE WHEN {v} ~ '^[0-9]{{4}}' THEN left({v}, 10) END)"
    if prop in _COUNTRY_PROPS:
        return f"(CASE WHEN {v} ~ '^[A-Za-z]{{2}}$' THEN lower({v}) END)"
    return f"nullif({v}, '')"


def _key(prop: str) -> str:
    return '"' + prop + '": ['


def _single(*pairs: tuple[str, str], lists: dict[str, str] | None = None) -> str:
    """The properties object, rendered directly (sorted keys) without the aggregate
    :func:`_line` needs: ``pairs`` are properties with one value at most, ``lists`` give
    the rendered JSON array (or NULL) of the others (:func:`_list`)."""
    members = {prop: f"CASE WHEN {_clean(prop, value)} IS NOT NULL THEN "
                     f"{_lit(_key(prop))} || to_json({_clean(prop, value)})::text || ']' END"
               for prop, value in pairs}
    for prop, rendered in (lists or {}).items():
        members[prop] = f"{_lit(_key(prop)[:-1])} || {rendered}"  # NULL stays NULL
    joined = ", ".join(members[prop] for prop in sorted(members))
    return f"('{{' || concat_ws(', ', {joined}) || '}}')"


def _list(prop: str, value: str, order: str, source: str) -> str:
    """The JSON array of ``prop``'s cleaned values from ``source`` (a FROM ... WHERE ...),
    each once, in the order of its first occurrence; NULL when there are none."""
    return f"""(SELECT to_jsonb(array_agg(d.v ORDER BY d.o))::text FROM (
        SELECT DISTINCT ON (x.v) x.v, x.o FROM (
            SELECT {_clean(prop, value)} AS v, {order} AS o {source}) x
        WHERE x.v IS NOT NULL ORDER BY x.v, x.o) d)"""


def _amount(expr: str) -> str:
    return f"({expr})::text"


def _json_amount(expr: str) -> str:
    """An amount the Python writer read back from JSON: a float when it had decimals."""
    f = f"({expr})::float8::text"
    return (f"(CASE WHEN scale({expr}) = 0 THEN ({expr})::text WHEN {f} ~ '[.e]' THEN {f} "
            f"ELSE {f} || '.0' END)")


_CLEAN = f"""(CASE WHEN btrim(kv->>1, {_SPACE}) = '' THEN NULL
    WHEN kv->>0 IN ({_props_of("date")}) THEN CASE WHEN btrim(kv->>1, {_SPACE}) ~ '^[0-9]{{4}}'
        THEN left(btrim(kv->>1, {_SPACE}), 10) END
    WHEN kv->>0 IN ({_props_of("country")}) THEN CASE WHEN btrim(kv->>1, {_SPACE})
        ~ '^[A-Za-z]{{2}}$' THEN lower(btrim(kv->>1, {_SPACE})) END
    ELSE btrim(kv->>1, {_SPACE}) END)"""


def _fixed_line(source: str) -> str:
    """One FtM JSON text a row of ``source`` whose ``props`` column is the rendered
    properties (:func:`_single`)."""
    return f"""SELECT '{{"id": ' || to_json(s.id)::text || ', "properties": ' || s.props
        || ', "schema": ' || to_json(s.schema)::text || '}}'
    FROM ({source}) s ORDER BY s.o1, s.o2, s.o3"""


def _line(source: str) -> str:
    """One FtM JSON text a row of ``source`` (columns ``schema``, ``id``, ``pairs``,
    ``o1``, ``o2``, ``o3``: the order)."""
    return f"""SELECT '{{"id": ' || to_json(s.id)::text || ', "properties": ' || coalesce((
        SELECT '{{' || string_agg(to_json(p.prop)::text || ': ' || p.vals, ', '
                                 ORDER BY p.prop COLLATE "C") || '}}'
        FROM (SELECT c.prop, '[' || string_agg(to_json(c.v)::text, ', ' ORDER BY c.o) || ']'
                AS vals
              FROM (SELECT x.prop, x.v, min(x.o) AS o
                    FROM (SELECT kv->>0 AS prop, {_CLEAN} AS v, o
                          FROM jsonb_array_elements(s.pairs) WITH ORDINALITY AS t(kv, o)) x
                    WHERE x.v IS NOT NULL GROUP BY x.prop, x.v) c
              GROUP BY c.prop) p), '{{}}') || ', "schema": ' || to_json(s.schema)::text || '}}'
    FROM ({source}) s ORDER BY s.o1, s.o2, s.o3"""


_SCHEMA = "(CASE e.kind " + " ".join(
    f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in SCHEMA_BY_KIND.items()) + \
    " ELSE 'LegalEntity' END)"
_TAX = " OR ".join(f"right(i.scheme, {len(s)}) = {_lit(s)}" for s in TAX_SUFFIXES)
_LEI = ", ".join(_lit(s) for s in sorted(LEI_SCHEMES))

_IDENT_PROP = f"""(CASE WHEN i.scheme IN ({_LEI}) THEN 'leiCode' WHEN {_TAX} THEN 'taxNumber'
    WHEN e.kind = 'person' THEN 'idNumber' ELSE 'registrationNumber' END)"""
_IDENTS = "FROM entity_identifiers i WHERE i.entity_id = e.id AND " + _IDENT_PROP + " = "
_NAMES = "FROM entity_names n WHERE n.entity_id = e.id AND n.name IS DISTINCT FROM e.name AND "
_PERSON = "e.kind = 'person'"
_ENTITY_LISTS = {
    "alias": _list("alias", "n.name", "n.id", _NAMES + "n.type IS DISTINCT FROM 'former'"),
    "previousName": _list("previousName", "n.name", "n.id", _NAMES + "n.type = 'former'"),
    "nationality": f"""CASE WHEN {_PERSON} THEN {_list("nationality", "v #>> '{}'", "k",
        "FROM jsonb_array_elements(CASE jsonb_typeof(e.nationalities) WHEN 'array' "
        "THEN e.nationalities ELSE '[]' END) WITH ORDINALITY AS t(v, k)")} END""",
    "address": _list("address", "a->>'address'", "k",
                     f"FROM jsonb_array_elements({public_addresses_sql('e.addresses')}) "
                     "WITH ORDINALITY AS t(a, k) WHERE a->'address' IS NOT NULL AND "
                     "(a->'address')::text NOT IN ('null', 'false', '0', '\"\"', '[]', '{}')"),
    "leiCode": _list("leiCode", "i.value", "i.id", _IDENTS + "'leiCode'"),
    "taxNumber": _list("taxNumber", "i.value", "i.id", _IDENTS + "'taxNumber'"),
    "idNumber": f"""CASE WHEN {_PERSON} THEN {_list("idNumber", "i.value", "i.id",
                                                     _IDENTS + "'idNumber'")} END""",
    "registrationNumber": f"""CASE WHEN NOT {_PERSON} THEN {_list(
        "registrationNumber", "i.value", "i.id", _IDENTS + "'registrationNumber'")} END""",
}


def _unless_person(expr: str) -> str:
    return f"CASE WHEN NOT {_PERSON} THEN {expr} END"


ENTITIES = f"""SELECT {_SCHEMA} AS schema, {ftm_id("e.dataset", "e.source_key")} AS id,
    e.id AS o1, 0 AS o2, 0 AS o3,
    {_single(("name", "e.name"), ("country", "e.country"), ("publisher", "e.dataset"),
             ("birthDate", f"CASE WHEN {_PERSON} THEN left(e.birth_date, 7) END"),
             ("jurisdiction", _unless_person("e.jurisdiction")),
             ("legalForm", _unless_person("e.legal_form")),
             ("incorporationDate", _unless_person("e.founding_date")),
             ("dissolutionDate", _unless_person("e.dissolution_date")),
             ("status", _unless_person("e.data->>'status'")),
             lists={p: f'l."{p}"' for p in _ENTITY_LISTS})} AS props
FROM entities e CROSS JOIN LATERAL (SELECT
    {", ".join(f'{sql} AS "{p}"' for p, sql in _ENTITY_LISTS.items())}) l"""

_PERCENT = """CASE WHEN i.share_exact IS NOT NULL THEN i.share_exact::text
    WHEN i.share_min IS NOT NULL OR i.share_max IS NOT NULL
    THEN coalesce(i.share_min::text, '0') || '-' || coalesce(i.share_max::text, '100') END"""

OWNERSHIP = f"""SELECT 'Ownership' AS schema,
    {ftm_id("r.dataset", "r.source_key", "i.id::text")} AS id, r.id AS o1, i.id AS o2, 0 AS o3,
    {_single(("owner", ftm_id("p.dataset", "p.source_key")),
            ("asset", ftm_id("s.dataset", "s.source_key")),
            ("ownershipType", "i.type"), ("percentage", _PERCENT),
            ("startDate", "i.start_date"), ("endDate", "i.end_date"),
            ("recordId", "r.source_key"), ("publisher", "r.dataset"))} AS props
FROM relationships r
JOIN entities s ON s.id = r.subject_id
JOIN entities p ON p.id = r.interested_party_id
JOIN interests i ON i.relationship_id = r.id
WHERE r.is_current AND NOT r.is_closed"""

_CONTRACT_ID = ftm_id("c.dataset", "c.ocid", "'contract'")
CONTRACTS = f"""SELECT 'Contract' AS schema, {_CONTRACT_ID} AS id, c.id AS o1, 0 AS o2,
    0 AS o3,
    {_single(("title", "coalesce(nullif(c.title, ''), c.ocid)"),
            ("name", "coalesce(nullif(c.title, ''), c.ocid)"),
            ("description", "c.description"), ("status", "c.status"),
            ("procedureNumber", "c.ocid"), ("amount", _amount("c.value_amount")),
            ("currency", "c.value_currency"), ("publisher", "c.dataset"),
            ("authority", f"CASE WHEN coalesce(b.source_key, '') <> '' THEN "
                          f"{ftm_id('b.dataset', 'b.source_key')} END"))} AS props
FROM contracts c LEFT JOIN entities b ON b.id = c.buyer_id
UNION ALL
SELECT 'ContractAward', {ftm_id("c.dataset", "c.ocid", "'award'", "a.award_id",
                                "se.source_key")}, c.id, a.id, su.id,
    {_single(("contract", _CONTRACT_ID), ("supplier", ftm_id("se.dataset", "se.source_key")),
            ("amount", _json_amount("a.value_amount")), ("currency", "a.value_currency"),
            ("date", "left(a.date::text, 10)"), ("status", "a.status"))}
FROM contracts c JOIN awards a ON a.contract_id = c.id
JOIN award_suppliers su ON su.award_id = a.id JOIN entities se ON se.id = su.entity_id"""

MEETINGS = f"""SELECT 'Event' AS schema, {ftm_id("m.dataset", "m.source_key", "'meeting'")} AS id,
    m.id AS o1, 0 AS o2, 0 AS o3,
    {_pairs(("name", "coalesce(nullif(m.subject, ''), 'Meeting')"), ("date", "m.date"),
            ("location", "m.location"), ("summary", "m.legislation"),
            ("organizer", f"CASE WHEN coalesce(re.source_key, '') <> '' THEN "
                          f"{ftm_id('re.dataset', 're.source_key')} END"),
            ("involved", f"CASE WHEN coalesce(ie.source_key, '') <> '' THEN "
                         f"{ftm_id('ie.dataset', 'ie.source_key')} END"))}
    || coalesce((SELECT jsonb_agg(jsonb_build_array('involved',
            {ftm_id("oe.dataset", "oe.source_key")}) ORDER BY o.id)
        FROM meeting_officials o JOIN entities oe ON oe.id = o.entity_id
        WHERE o.meeting_id = m.id), '[]')
    || {_pairs(("publisher", "m.dataset"))} AS pairs
FROM meetings m
LEFT JOIN entities ie ON ie.id = m.institution_id
LEFT JOIN registrants r ON r.id = m.registrant_id
LEFT JOIN entities re ON re.id = r.entity_id
WHERE m.merged_into_id IS NULL AND (m.registrant_id IS NULL OR r.published_version IS NOT NULL)"""

DONATIONS = f"""SELECT 'Payment' AS schema,
    {ftm_id("d.dataset", "d.source_ref", "'donation'")} AS id, d.id AS o1, 0 AS o2, 0 AS o3,
    {_single(("payer", f"CASE WHEN coalesce(de.source_key, '') <> '' THEN "
                      f"{ftm_id('de.dataset', 'de.source_key')} END"),
            ("beneficiary", f"CASE WHEN coalesce(re.source_key, '') <> '' THEN "
                            f"{ftm_id('re.dataset', 're.source_key')} END"),
            ("amount", _amount("d.value")), ("currency", "d.currency"), ("date", "d.date"),
            ("purpose", "d.nature"), ("programme", "'political donation'"),
            ("description", "nullif(concat_ws(' · ', nullif(d.type, ''), "
                            "nullif(d.status, ''), nullif(d.accounting_unit, '')), '')"),
            ("recordId", "d.source_ref"), ("publisher", "d.dataset"))} AS props
FROM donations d
LEFT JOIN entities de ON de.id = d.donor_id
LEFT JOIN entities re ON re.id = d.recipient_id"""

STEPS = (("entities", _fixed_line(ENTITIES)), ("ownership", _fixed_line(OWNERSHIP)),
         ("contracts", _fixed_line(CONTRACTS)), ("meetings", _line(MEETINGS)),
         ("donations", _fixed_line(DONATIONS)))


async def write_ftm_lines(driver: Any, out: IO[bytes]) -> dict[str, int]:
    """Every step's entities, one JSON text a line, into ``out``; the count a step."""
    sink = _Ids(out)
    counts = {name: await copy_lines(driver, sql, sink)  # type: ignore[arg-type]
              for name, sql in STEPS}
    assert not sink.rest, "a line without its end"
    return counts
