"""What is public, decided per field in one place.

A natural person's residential address, place of birth and day of birth are never public,
whatever the source publishes: importers keep them in ``Entity.restricted`` only (and store
the source's statement in ``record_versions`` without them), and every reader (API, pages,
``/match``, every export) passes what it shows through these functions as a second line of
defence. A birth date is public as year-month at most. Registrar comments on links
(``links.comment``), account data and unpublished drafts are never public either: the
exports' table list (:mod:`registry.exports.tables`) names its columns and leaves them out.

| field                                   | public                    |
|-----------------------------------------|---------------------------|
| address of type residence/placeOfBirth  | never                     |
| BODS ``placeOfBirth``, 0.2 ``placeOfResidence`` | never             |
| birth date                              | year and month            |
| a person's national number (GE-PN)      | never (donations import)  |
| link comment, account, draft            | never                     |
"""

from __future__ import annotations

from typing import Any

# BODS address types (and their 0.2/0.3 spellings) that describe where a person lives or
# was born. ``home`` is not a BODS code, but publishers use it.
RESTRICTED_ADDRESS_TYPES = frozenset({"residence", "placeOfBirth", "home", "residential"})
# Person fields that are restricted as a whole (0.4 ``placeOfBirth``; 0.2/0.3 spellings).
RESTRICTED_PERSON_FIELDS = ("placeOfBirth", "placeOfResidence")
# The same rule for SQL readers that select ``addresses`` as jsonb.
_TYPES_SQL = ", ".join(f"'{t}'" for t in sorted(RESTRICTED_ADDRESS_TYPES))


def public_addresses_sql(column: str) -> str:
    """A SQL expression: the jsonb array ``column`` without restricted addresses."""
    return (f"(SELECT coalesce(jsonb_agg(a ORDER BY n), '[]'::jsonb) "
            f"FROM jsonb_array_elements(coalesce({column}, '[]'::jsonb)) "
            f"WITH ORDINALITY AS x(a, n) "
            f"WHERE jsonb_typeof(a) = 'object' AND coalesce(a->>'type', '') "
            f"NOT IN ({_TYPES_SQL}))")


def is_restricted_address(address: Any) -> bool:
    return isinstance(address, dict) and address.get("type") in RESTRICTED_ADDRESS_TYPES


def public_addresses(addresses: Any) -> list[dict[str, Any]]:
    """The addresses anyone may read."""
    if not isinstance(addresses, list):
        return []
    return [a for a in addresses if isinstance(a, dict) and not is_restricted_address(a)]


def public_birth_date(value: Any) -> str | None:
    """Year and month at most."""
    return value[:7] if isinstance(value, str) and value else None


def split_person_details(details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A person's BODS details (any version's shape): what is public, and what is not
    (``birth_date``, ``addresses``, and the restricted fields under their own names)."""
    public = dict(details)
    restricted: dict[str, Any] = {}
    birth = public.get("birthDate")
    if isinstance(birth, str) and len(birth) > 7:
        restricted["birth_date"] = birth
        public["birthDate"] = birth[:7]
    addresses = public.get("addresses")
    if isinstance(addresses, list):
        hidden = [a for a in addresses if is_restricted_address(a)]
        if hidden:
            restricted["addresses"] = hidden
            public["addresses"] = [a for a in addresses if not is_restricted_address(a)]
            if not public["addresses"]:
                del public["addresses"]
    for name in RESTRICTED_PERSON_FIELDS:
        if name in public:
            restricted[name] = public.pop(name)
    return public, restricted


def public_person_statement(statement: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A BODS person statement as it may be kept in the public history: 0.4 details under
    ``recordDetails``, 0.2/0.3 ones at the top level."""
    details = statement.get("recordDetails")
    if isinstance(details, dict):
        public, restricted = split_person_details(details)
        return {**statement, "recordDetails": public}, restricted
    return split_person_details(statement)
