"""name keys: the same keys, written without a function call per name

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 11:30:00

The blocking-key triggers (0010) called ``search_name_keys(normalized)`` once per name. It
is a SQL function with a CTE, a window and a union, which PostgreSQL cannot inline: every
call re-validated its cached plan and started and ended an executor, which took more of a
BODS import's server time than computing the keys (``bench/bods_import.py``: the
triggers were ~40% of it). The rules now live in one set-returning SQL function,
``search_name_keys_rows``, which the planner inlines into the triggers' statements (one
plan per statement, re-scanned per name: about three times faster); ``search_name_keys``
(the query side, search/blocking.py) aggregates the same rows, in the same sorted order
as before, so both sides still derive their keys from one definition. The insert trigger
also drops ``ON CONFLICT DO NOTHING``: a new name's keys cannot be there already, and the
speculative insertion made each key about a quarter dearer.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Inlinable: LANGUAGE sql, IMMUTABLE, one SELECT, called in FROM.
NAME_KEY_ROWS = r"""
CREATE OR REPLACE FUNCTION search_name_keys_rows(normalized text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH tokens AS (
        SELECT u.tok, row_number() OVER (ORDER BY u.i) AS i,
               CASE WHEN u.tok ~ '^[a-z]{3,}$' THEN nullif(metaphone(u.tok, 8), '') END AS ph
        FROM unnest(string_to_array(normalized, ' ')) WITH ORDINALITY AS u(tok, i)
        WHERE length(u.tok) BETWEEN 2 AND 199
    )
    SELECT DISTINCT k FROM (
        SELECT 't:' || tok FROM tokens
        UNION ALL
        SELECT 'p:' || ph FROM tokens WHERE ph IS NOT NULL
        UNION ALL  -- neighbours, phonetic and unordered: frequent words together are rare
        SELECT 'q:' || least(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok)) || ' '
                    || greatest(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok))
        FROM tokens a JOIN tokens b ON b.i = a.i + 1
    ) keys(k)
$$
"""

NAME_KEYS = r"""
CREATE OR REPLACE FUNCTION search_name_keys(normalized text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM search_name_keys_rows(normalized) AS r(k)
$$
"""

TRIGGER_FUNCTIONS = [r"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- New names have new ids and their keys are distinct: nothing to conflict with, so a
    -- plain insert (ON CONFLICT's speculative insertion cost a quarter more per key).
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL search_name_keys_rows(n.normalized) AS k(key);
    RETURN NULL;
END $$
""", r"""
CREATE OR REPLACE FUNCTION entity_name_keys_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM entity_name_keys k
    USING old_names o CROSS JOIN LATERAL search_name_keys_rows(o.normalized) AS d(key)
    WHERE k.key = d.key AND k.name_id = o.id;
    RETURN NULL;
END $$
""", r"""
CREATE OR REPLACE FUNCTION entity_name_keys_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM entity_name_keys k
    USING old_names o JOIN new_names n ON n.id = o.id
          CROSS JOIN LATERAL search_name_keys_rows(o.normalized) AS d(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
      AND k.key = d.key AND k.name_id = o.id;
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM old_names o JOIN new_names n ON n.id = o.id
         CROSS JOIN LATERAL search_name_keys_rows(n.normalized) AS k(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""]

# 0010's definitions, for the downgrade.
OLD_NAME_KEYS = r"""
CREATE OR REPLACE FUNCTION search_name_keys(normalized text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH tokens AS (
        SELECT u.tok, row_number() OVER (ORDER BY u.i) AS i,
               CASE WHEN u.tok ~ '^[a-z]{3,}$' THEN nullif(metaphone(u.tok, 8), '') END AS ph
        FROM unnest(string_to_array(normalized, ' ')) WITH ORDINALITY AS u(tok, i)
        WHERE length(u.tok) BETWEEN 2 AND 199
    )
    SELECT coalesce(array_agg(DISTINCT k), '{}') FROM (
        SELECT 't:' || tok FROM tokens
        UNION ALL
        SELECT 'p:' || ph FROM tokens WHERE ph IS NOT NULL
        UNION ALL
        SELECT 'q:' || least(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok)) || ' '
                    || greatest(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok))
        FROM tokens a JOIN tokens b ON b.i = a.i + 1
    ) keys(k)
$$
"""


def upgrade() -> None:
    op.execute(NAME_KEY_ROWS)
    op.execute(NAME_KEYS)
    for statement in TRIGGER_FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    op.execute(OLD_NAME_KEYS)
    for statement in TRIGGER_FUNCTIONS:
        statement = statement.replace("search_name_keys_rows(", "unnest(search_name_keys(")
        statement = statement.replace(".normalized) AS", ".normalized)) AS")
        op.execute(statement.replace("AS k(key);", "AS k(key)\n    ON CONFLICT DO NOTHING;"))
    op.execute("DROP FUNCTION IF EXISTS search_name_keys_rows(text)")
