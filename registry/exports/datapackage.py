"""A Frictionless Data Package (``datapackage.json``) describing the CSV tables of a snapshot.

Fields and their types come from the columns PostgreSQL reports for each public table's
query (``registry/exports/tables.py``), so a column added or withdrawn there is described
here without a second list to keep in step. Keys are declared where we know them; a key
whose columns a table no longer publishes is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .tables import PUBLIC_TABLES, PublicTable

PROFILE = "tabular-data-package"

# PostgreSQL type name → Table Schema field properties (COPY's CSV text forms).
_TYPES: dict[str, dict[str, Any]] = {
    "int2": {"type": "integer"}, "int4": {"type": "integer"}, "int8": {"type": "integer"},
    "numeric": {"type": "number"}, "float4": {"type": "number"}, "float8": {"type": "number"},
    "bool": {"type": "boolean", "trueValues": ["t"], "falseValues": ["f"]},
    "date": {"type": "date"},
    # COPY writes "2026-12-04 20:26:43.12+00": ISO 8601 with a space, which format "any" reads.
    "timestamptz": {"type": "datetime", "format": "any"},
    "timestamp": {"type": "datetime", "format": "any"},
    "text": {"type": "string"}, "varchar": {"type": "string"}, "bpchar": {"type": "string"},
    "json": {"type": "any", "description": "JSON"},
    "jsonb": {"type": "any", "description": "JSON"},
}
_ARRAY = {"type": "string", "description": "PostgreSQL array literal, e.g. {GB,FR}"}

PRIMARY_KEYS: dict[str, list[str]] = {"datasets": ["name"]}
ID_KEYED = {"entities", "relationships", "contracts", "awards", "registrants", "meetings",
            "links"}

# table → (column, referenced table, referenced column)
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "entities": [("dataset", "datasets", "name")],
    "entity_names": [("entity_id", "entities", "id")],
    "entity_identifiers": [("entity_id", "entities", "id")],
    "relationships": [("dataset", "datasets", "name"), ("subject_id", "entities", "id"),
                      ("interested_party_id", "entities", "id")],
    "interests": [("relationship_id", "relationships", "id")],
    "contracts": [("dataset", "datasets", "name"), ("buyer_id", "entities", "id")],
    "contract_parties": [("contract_id", "contracts", "id"), ("entity_id", "entities", "id")],
    "awards": [("contract_id", "contracts", "id")],
    "contract_agreements": [("contract_id", "contracts", "id")],
    "registrants": [("entity_id", "entities", "id")],
    "lobbyists": [("registrant_id", "registrants", "id"), ("entity_id", "entities", "id")],
    "clients": [("registrant_id", "registrants", "id"), ("entity_id", "entities", "id")],
    "meetings": [("dataset", "datasets", "name"), ("institution_id", "entities", "id"),
                 ("registrant_id", "registrants", "id")],
    "links": [("left_id", "entities", "id"), ("right_id", "entities", "id")],
}

LICENCES = {
    "CC-BY-4.0": {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                  "path": "https://creativecommons.org/licenses/by/4.0/"},
}


def field_for(name: str, pg_type: str) -> dict[str, Any]:
    if pg_type.startswith("_"):
        return {"name": name, **_ARRAY}
    return {"name": name, **_TYPES.get(pg_type, {"type": "string"})}


async def table_columns(driver: Any, table: PublicTable) -> list[tuple[str, str]]:
    """(name, PostgreSQL type name) of each column the table's query returns."""
    statement = await driver.prepare(table.sql)
    return [(a.name, a.type.name) for a in statement.get_attributes()]


def schema_for(table: str, columns: Sequence[tuple[str, str]]) -> dict[str, Any]:
    names = {c for c, _ in columns}
    schema: dict[str, Any] = {"fields": [field_for(c, t) for c, t in columns]}
    primary = PRIMARY_KEYS.get(table, ["id"] if table in ID_KEYED else [])
    if primary and set(primary) <= names:
        schema["primaryKey"] = primary
    foreign = [{"fields": column, "reference": {"resource": target, "fields": ref}}
               for column, target, ref in FOREIGN_KEYS.get(table, []) if column in names]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def datapackage(name: str, *, title: str, created: str, licence: str,
                columns: Mapping[str, Sequence[tuple[str, str]]],
                files: Mapping[str, Mapping[str, Any]],
                sources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The descriptor; ``files`` maps a table to its CSV file's ``path``, ``bytes``, ``sha256``
    and ``rows``; ``sources`` are the datasets (name, title, url, licence)."""
    resources = []
    for table in PUBLIC_TABLES:
        if table.name not in columns:
            continue
        f = files[table.name]
        resources.append({
            "name": table.name,
            "path": f["path"],
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": f["bytes"],
            "hash": f"sha256:{f['sha256']}",
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": schema_for(table.name, columns[table.name]),
        })
    return {
        "profile": PROFILE,
        "name": name,
        "title": title,
        "created": created,
        "licenses": [LICENCES.get(licence, {"name": licence})],
        "sources": [_source(s) for s in sources],
        "resources": resources,
    }


def _source(dataset: Mapping[str, Any]) -> dict[str, Any]:
    title = dataset.get("title") or dataset["name"]
    licence = dataset.get("licence")
    source: dict[str, Any] = {"title": f"{title} (licence: {licence})" if licence else title}
    if dataset.get("url"):
        source["path"] = dataset["url"]
    return source
