"""BODS 0.4 statements built by PostgreSQL, for ``registry publish``.

The same statements as :mod:`registry.exports.bods` (the API's and ``export bods``'s
writer, which builds them in Python from ORM objects), as JSON objects equal member for
member, in the same order; only the order of members within an object may differ (jsonb's).
Every rule of that module is here in SQL: record ids, statement ids (SHA-256 of dataset,
record type, key and version), dates, stored source details published as they came, and
the privacy rules of :mod:`registry.privacy` — restricted address types dropped, a birth
date cut to year and month, ``placeOfBirth``/``placeOfResidence`` removed; ``restricted``
is never read. ``tests/test_bulk_exports.py`` compares both writers on the same register.
"""

from __future__ import annotations

import json
from typing import IO, Any

import pycountry

from registry.privacy import RESTRICTED_ADDRESS_TYPES, RESTRICTED_PERSON_FIELDS

from .bods import (
    BODS_VERSION,
    ENTITY_ADDRESS_TYPES,
    NAME_TYPE_ALIASES,
    NAME_TYPES,
    PERSON_ADDRESS_TYPES,
    PUBLISHER,
    Exporter,
)
from .copy_lines import copy_lines


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Any) -> str:
    return ", ".join(_lit(v) for v in sorted(values))


_COUNTRY_NAMES = _lit(json.dumps({c.alpha_2: c.name for c in pycountry.countries},
                                 ensure_ascii=False)) + "::jsonb"
_RESTRICTED = _list(RESTRICTED_ADDRESS_TYPES)
# Python's truthiness of a JSON value: absent, null, false, 0, "", [] and {} are falsy.
_FALSY = "('null', 'false', '0', '\"\"', '[]', '{}')"


def _truthy(expr: str) -> str:
    return f"({expr} IS NOT NULL AND ({expr})::text NOT IN {_FALSY})"


def _date(expr: str) -> str:
    """bods._date: a UTC day when the time is midnight, else ISO 8601 with Z."""
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return (f"(CASE WHEN {utc}::time = '00:00' THEN to_char({utc}, 'YYYY-MM-DD') "
            f"ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
            f"|| CASE WHEN extract(microseconds FROM {utc}) % 1000000 <> 0 "
            f"THEN to_char({utc}, '.US') ELSE '' END || 'Z' END)")


def _country(expr: str) -> str:
    """bods.country: a Country object (or NULL) from a jsonb code, name or object."""
    text = f"({expr} #>> '{{}}')"
    name = f"coalesce(nullif({expr}->>'name', ''), nullif({expr}->>'code', ''))"
    code = f"({expr}->>'code')"
    return f"""(CASE
      WHEN jsonb_typeof({expr}) = 'object' THEN CASE WHEN {name} IS NULL THEN NULL
        WHEN jsonb_typeof({expr}->'code') = 'string' AND length({code}) = 2
        THEN jsonb_build_object('name', {name}, 'code', upper({code}))
        ELSE jsonb_build_object('name', {name}) END
      WHEN jsonb_typeof({expr}) <> 'string' OR {text} = '' THEN NULL
      WHEN length({text}) = 2 THEN jsonb_build_object(
        'name', coalesce({_COUNTRY_NAMES} ->> upper({text}), {text}), 'code', upper({text}))
      ELSE jsonb_build_object('name', {text}) END)"""


def _addresses(column: str, allowed: set[str]) -> str:
    """bods._addresses: public addresses as BODS Address objects (NULL when none)."""
    item = f"""jsonb_strip_nulls(jsonb_build_object(
        'type', CASE WHEN a->>'type' IN ({_list(allowed)}) THEN a->'type' END,
        'address', CASE WHEN {_truthy("a->'address'")} THEN to_jsonb(a->>'address') END,
        'postCode', CASE WHEN {_truthy("a->'postCode'")} THEN to_jsonb(a->>'postCode') END,
        'country', CASE WHEN {_truthy("a->'country'")} THEN {_country("a->'country'")} END))"""
    return f"""(SELECT jsonb_agg(x.item ORDER BY x.n) FROM (
        SELECT {item} AS item, n
        FROM jsonb_array_elements(CASE jsonb_typeof({column}) WHEN 'array' THEN {column}
                                  ELSE '[]' END) WITH ORDINALITY AS t(a, n)
        WHERE jsonb_typeof(a) = 'object' AND coalesce(a->>'type', '') NOT IN ({_RESTRICTED})
      ) x WHERE x.item <> '{{}}')"""


def _full_date(expr: str) -> str:
    """bods._full_date: a valid YYYY-MM-DD or NULL."""
    return f"""(CASE WHEN {expr} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-[0-3][0-9]$'
        AND substr({expr}, 1, 4) <> '0000' AND substr({expr}, 9, 2)::int BETWEEN 1 AND
        extract(day FROM make_date(substr({expr}, 1, 4)::int, substr({expr}, 6, 2)::int, 1)
                + interval '1 month - 1 day')
        THEN {expr} END)"""


_IDENTIFIERS = """(SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
        'id', i.value, 'scheme', i.scheme, 'schemeName', nullif(i.scheme_name, ''),
        'uri', nullif(i.uri, ''))) ORDER BY i.id)
    FROM entity_identifiers i WHERE i.entity_id = e.id)"""

_ENTITY_DETAILS = f"""jsonb_strip_nulls(jsonb_build_object(
    'isComponent', false,
    'entityType', jsonb_build_object('type', CASE WHEN e.kind = 'public_body'
                                     THEN 'stateBody' ELSE 'registeredEntity' END),
    'name', e.name,
    'alternateNames', (SELECT jsonb_agg(n.name ORDER BY n.id) FROM entity_names n
                       WHERE n.entity_id = e.id AND (n.type <> 'legal' OR n.name <> e.name)),
    'jurisdiction', CASE WHEN coalesce(e.jurisdiction, e.country, '') <> ''
                    THEN {_country("to_jsonb(coalesce(nullif(e.jurisdiction, ''), e.country))")}
                    END,
    'identifiers', {_IDENTIFIERS},
    'foundingDate', {_full_date("e.founding_date")},
    'dissolutionDate', {_full_date("e.dissolution_date")},
    'addresses', {_addresses("e.addresses", ENTITY_ADDRESS_TYPES)}))"""

_ALIASES = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in NAME_TYPE_ALIASES.items())
_NAME_TYPE = f"(CASE n.type {_ALIASES} ELSE n.type END)"

_PERSON_DETAILS = f"""jsonb_strip_nulls(jsonb_build_object(
    'isComponent', false,
    'personType', 'knownPerson',
    'names', jsonb_build_array(jsonb_build_object('type', 'legal', 'fullName', e.name))
      || coalesce((SELECT jsonb_agg(jsonb_build_object(
            'type', CASE WHEN {_NAME_TYPE} IN ({_list(NAME_TYPES)}) THEN {_NAME_TYPE}
                    ELSE 'alternative' END, 'fullName', n.name) ORDER BY n.id)
          FROM entity_names n WHERE n.entity_id = e.id
            AND NOT (n.type = 'legal' AND n.name = e.name)), '[]'),
    'identifiers', {_IDENTIFIERS},
    'nationalities', (SELECT jsonb_agg(c ORDER BY k) FROM (
        SELECT {_country("v")} AS c, k FROM jsonb_array_elements(
          CASE jsonb_typeof(e.nationalities) WHEN 'array' THEN e.nationalities ELSE '[]' END)
          WITH ORDINALITY AS t(v, k)) x WHERE c IS NOT NULL),
    'birthDate', nullif(left(e.birth_date, 7), ''),
    'addresses', {_addresses("e.addresses", PERSON_ADDRESS_TYPES)}))"""

# The details a BODS statement was imported with, stored: an upgraded 0.2/0.3 statement's in
# data->'details', a 0.4 one's in its version (bods.PUBLISHED_DETAILS).
_STORED_DETAILS = """coalesce(CASE WHEN {truthy} THEN e.data->'details' END, (
    SELECT v.content->'recordDetails' FROM record_versions v
    WHERE v.dataset = e.dataset
      AND v.record_type = CASE WHEN e.kind = 'person' THEN 'person' ELSE 'entity' END
      AND v.version_key = e.statement_id LIMIT 1))""".format(
    truthy=_truthy("e.data->'details'"))

_HIDDEN = f"(jsonb_typeof(a) = 'object' AND a->>'type' IN ({_RESTRICTED}))"


def _public_person(d: str) -> str:
    """privacy.split_person_details's public half, then the birth date of the public column
    (bods.Exporter.entity_statement)."""
    kept = f"""(SELECT coalesce(jsonb_agg(a ORDER BY n), '[]') FROM
        jsonb_array_elements({d}->'addresses') WITH ORDINALITY AS t(a, n) WHERE NOT {_HIDDEN})"""
    without_hidden = f"""(CASE WHEN jsonb_typeof({d}->'addresses') = 'array' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements({d}->'addresses') a WHERE {_HIDDEN})
        THEN CASE WHEN {kept} = '[]' THEN {d} - 'addresses'
                  ELSE jsonb_set({d}, '{{addresses}}', {kept}) END
        ELSE {d} END)"""
    cleaned = f"({without_hidden} - ARRAY[{_list(RESTRICTED_PERSON_FIELDS)}])"
    return f"""(CASE WHEN coalesce(e.birth_date, '') <> ''
        THEN jsonb_set({cleaned}, '{{birthDate}}', to_jsonb(left(e.birth_date, 7)))
        ELSE {cleaned} - 'birthDate' END)"""


def _envelope(ex: Exporter, record_type: str, row: str, version: str, status: str,
              subject: str) -> str:
    """Exporter._envelope as SQL; ``row`` is the table alias (entity or relationship)."""
    stored = (f"(CASE WHEN jsonb_typeof({row}.data->'statement') = 'object' "
              f"THEN {row}.data->'statement' ELSE '{{}}' END)")
    source = f"{stored}->'source'"
    licences = " ".join(f"WHEN {_lit(d)} THEN {_lit(lic)}" for d, lic in ex.licences.items()
                        if lic and lic.startswith(("http://", "https://")))
    licence = f"(CASE {row}.dataset {licences} END)" if licences else "NULL::text"
    # Only what is built here loses its null members: stored JSON is published as stored.
    return f"""jsonb_build_object(
      'statementId', left(encode(sha256(convert_to(concat_ws(chr(31), {row}.dataset,
          {record_type}, {row}.source_key, {version}), 'UTF8')), 'hex'), 32),
      'statementDate', {_date(f"coalesce({row}.valid_from, now())")},
      'publicationDetails', jsonb_strip_nulls(jsonb_build_object(
          'publicationDate', {_lit(ex.published)}, 'bodsVersion', {_lit(BODS_VERSION)},
          'publisher', {_lit(json.dumps(PUBLISHER))}::jsonb, 'license', {licence})),
      'recordId', {_record_id(ex, f"{row}.dataset", f"{row}.source_key")},
      'recordType', {record_type},
      'recordStatus', {status},
      'declarationSubject', {subject})
    || {_optional("annotations", f"{stored}->'annotations'")}
    || {_optional("declaration", f"{stored}->'declaration'")}
    || jsonb_build_object('source', CASE
      WHEN jsonb_typeof({source}) = 'object' AND {source} <> '{{}}' THEN {source}
      ELSE jsonb_strip_nulls(jsonb_build_object(
          'description', 'Transparency Registry dataset ' || {row}.dataset,
          'retrievedAt', {_date(f"{row}.retrieved_at")})) END)"""


def _optional(key: str, expr: str) -> str:
    """``{key: expr}`` when ``expr`` is truthy, else ``{}``."""
    return f"(CASE WHEN {_truthy(expr)} THEN jsonb_build_object({_lit(key)}, {expr}) " \
           f"ELSE '{{}}' END)"


def _record_id(ex: Exporter, dataset: str, key: str) -> str:
    return f"({dataset} || '/' || {key})" if ex.prefixed else key


def entities_sql(ex: Exporter) -> str:
    record_type = "(CASE WHEN e.kind = 'person' THEN 'person' ELSE 'entity' END)"
    subject_key = ("(CASE WHEN jsonb_typeof(e.data->'statement'->'declarationSubject') = "
                   "'string' THEN e.data->'statement'->>'declarationSubject' "
                   "ELSE e.source_key END)")
    stored = "s.details"
    details = f"""(CASE WHEN jsonb_typeof({stored}) = 'object' AND {stored} <> '{{}}'
        THEN CASE WHEN e.kind = 'person' THEN {_public_person(stored)} ELSE {stored} END
        WHEN e.kind = 'person' THEN {_PERSON_DETAILS} ELSE {_ENTITY_DETAILS} END)"""
    envelope = _envelope(ex, record_type, "e", "coalesce(e.statement_id, e.id::text)",
                         "CASE WHEN e.is_closed THEN 'closed' ELSE 'new' END",
                         _record_id(ex, "e.dataset", subject_key))
    return f"""SELECT ({envelope} || jsonb_build_object('recordDetails', {details}))::text
        FROM entities e CROSS JOIN LATERAL (SELECT {_STORED_DETAILS} AS details) s
        WHERE e.dataset = ANY(ARRAY[{_list(ex.datasets)}]::text[])
        ORDER BY e.dataset, e.id"""


def _number(expr: str) -> str:
    """bods._number: an integer when integral, else a float's shortest text."""
    return f"(CASE WHEN {expr} = trunc({expr}) THEN to_jsonb(trunc({expr})) " \
           f"ELSE to_jsonb({expr}::float8) END)"


_INTERESTS = f"""coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
      'type', nullif(i.type, ''),
      'directOrIndirect', nullif(i.direct_or_indirect, ''),
      'beneficialOwnershipOrControl', i.beneficial_ownership_or_control,
      'details', nullif(i.details, ''),
      'share', nullif(jsonb_strip_nulls(jsonb_build_object(
          'exact', {_number("i.share_exact")},
          CASE WHEN i.share_exclusive_min THEN 'exclusiveMinimum' ELSE 'minimum' END,
          {_number("i.share_min")},
          CASE WHEN i.share_exclusive_max THEN 'exclusiveMaximum' ELSE 'maximum' END,
          {_number("i.share_max")})), '{{}}'),
      'startDate', i.start_date::text,
      'endDate', i.end_date::text)) ORDER BY i.id)
    FROM interests i WHERE i.relationship_id = r.id), '[]')"""


def relationships_sql(ex: Exporter) -> str:
    subject_key = "coalesce(nullif(sub.source_key, ''), r.subject_key)"
    party_key = "coalesce(nullif(party.source_key, ''), r.interested_party_key)"
    unknown = """'{"reason": "unknown"}'::jsonb"""
    subject = (f"(CASE WHEN coalesce({subject_key}, '') <> '' THEN "
               f"to_jsonb({_record_id(ex, 'r.dataset', subject_key)}) "
               f"WHEN {_truthy('r.subject_unspecified')} THEN r.subject_unspecified "
               f"ELSE {unknown} END)")
    party = (f"(CASE WHEN coalesce({party_key}, '') <> '' THEN "
             f"to_jsonb({_record_id(ex, 'r.dataset', party_key)}) "
             f"WHEN {_truthy('r.interested_unspecified')} THEN r.interested_unspecified "
             f"ELSE {unknown} END)")
    declaration_subject = (f"(CASE WHEN coalesce({subject_key}, '') <> '' THEN "
                           f"{_record_id(ex, 'r.dataset', subject_key)} ELSE "
                           f"{_record_id(ex, 'r.dataset', 'r.source_key')} END)")
    status = ("CASE WHEN r.is_closed THEN 'closed' WHEN lag(r.source_key) OVER w "
              "IS NOT DISTINCT FROM r.source_key AND lag(r.dataset) OVER w = r.dataset "
              "THEN 'updated' ELSE 'new' END")
    components = f"""(CASE WHEN NOT r.is_component AND jsonb_typeof(r.component_keys) = 'array'
        AND r.component_keys <> '[]' THEN jsonb_build_object('componentRecords', (
          SELECT jsonb_agg(to_jsonb({_record_id(ex, 'r.dataset', "(k #>> '{}')")}) ORDER BY n)
          FROM jsonb_array_elements(r.component_keys) WITH ORDINALITY AS t(k, n)))
        ELSE '{{}}' END)"""
    details = f"""jsonb_build_object(
        'isComponent', r.is_component, 'subject', {subject}, 'interestedParty', {party},
        'interests', {_INTERESTS}) || {components}"""
    envelope = _envelope(ex, "'relationship'", "r", "coalesce(r.statement_id, r.id::text)",
                         status, declaration_subject)
    return f"""SELECT ({envelope} || jsonb_build_object('recordDetails', {details}))::text
        FROM relationships r
        LEFT JOIN entities sub ON sub.id = r.subject_id
        LEFT JOIN entities party ON party.id = r.interested_party_id
        WHERE r.dataset = ANY(ARRAY[{_list(ex.datasets)}]::text[])
        WINDOW w AS (ORDER BY r.is_component DESC, r.dataset, r.source_key,
                     r.valid_from ASC NULLS FIRST, r.id)
        ORDER BY r.is_component DESC, r.dataset, r.source_key, r.valid_from ASC NULLS FIRST,
                 r.id"""


async def write_bods_array(driver: Any, ex: Exporter, out: IO[bytes]) -> dict[str, int]:
    """The statements as a JSON array (bods.stream_json_array's bytes layout) into ``out``;
    returns the counts."""
    if not ex.datasets:
        out.write(b"[\n]\n")
        return {**ex.counts, "statements": 0}
    out.write(b"[\n")
    n = await copy_lines(driver, entities_sql(ex), out, separator=b",\n")
    n += await copy_lines(driver, relationships_sql(ex), out, separator=b",\n")
    out.seek(out.tell() - (2 if n else 1))  # the last member's ",\n" (or "[\n"'s "\n")
    out.truncate()
    out.write(b"\n]\n")
    row = await driver.fetchrow(
        "SELECT count(*) FILTER (WHERE kind = 'person') AS person, "
        "count(*) FILTER (WHERE kind <> 'person') AS entity FROM entities "
        "WHERE dataset = ANY($1::text[])", ex.datasets)
    relationships = await driver.fetchval(
        "SELECT count(*) FROM relationships WHERE dataset = ANY($1::text[])", ex.datasets)
    counts = {"entity": row["entity"], "person": row["person"],
              "relationship": relationships}
    return {**counts, "statements": n}
