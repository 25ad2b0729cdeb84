"""name keys: blocking keys for fast candidate generation

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000

``entity_name_keys`` holds, for every row of ``entity_names``, its blocking keys: each token
of the normalised name (``t:acme``), its metaphone (``p:AKM``, pg's fuzzystrmatch, so the
query side can derive the very same keys in SQL), and each pair of neighbouring tokens by
their metaphones, unordered (``q:AKM KNSTRKXN``): two frequent words are rarely together. Candidates are the entities sharing the most
IDF-weighted keys with a query (search/blocking.py); very frequent keys (legal forms, "trade",
"group") are skipped at query time by their document frequency, capped by the btree scan.

The keys are kept current in the same transaction as the names by statement-level triggers
over transition tables (one INSERT ... SELECT per statement, COPY included), so no writer
can forget them. The primary key (key, name_id) INCLUDE (entity_id) serves both the
per-key lookups (index-only) and the deletes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_KEYS = r"""
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
        UNION ALL  -- neighbours, phonetic and unordered: frequent words together are rare
        SELECT 'q:' || least(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok)) || ' '
                    || greatest(coalesce(a.ph, a.tok), coalesce(b.ph, b.tok))
        FROM tokens a JOIN tokens b ON b.i = a.i + 1
    ) keys(k)
$$
"""

TRIGGERS = [r"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
""", r"""
CREATE OR REPLACE FUNCTION entity_name_keys_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM entity_name_keys k
    USING old_names o CROSS JOIN LATERAL unnest(search_name_keys(o.normalized)) AS d(key)
    WHERE k.key = d.key AND k.name_id = o.id;
    RETURN NULL;
END $$
""", r"""
CREATE OR REPLACE FUNCTION entity_name_keys_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM entity_name_keys k
    USING old_names o JOIN new_names n ON n.id = o.id
          CROSS JOIN LATERAL unnest(search_name_keys(o.normalized)) AS d(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
      AND k.key = d.key AND k.name_id = o.id;
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM old_names o JOIN new_names n ON n.id = o.id
         CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
""", r"""
CREATE TRIGGER entity_name_keys_insert AFTER INSERT ON entity_names
    REFERENCING NEW TABLE AS new_names
    FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_insert()
""", r"""
CREATE TRIGGER entity_name_keys_delete AFTER DELETE ON entity_names
    REFERENCING OLD TABLE AS old_names
    FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_delete()
""", r"""
CREATE TRIGGER entity_name_keys_update AFTER UPDATE ON entity_names
    REFERENCING OLD TABLE AS old_names NEW TABLE AS new_names
    FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_update()
"""]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.execute(NAME_KEYS)
    op.execute("""
        CREATE TABLE entity_name_keys (
            key text NOT NULL,
            name_id bigint NOT NULL,
            entity_id bigint NOT NULL,
            CONSTRAINT pk_entity_name_keys PRIMARY KEY (key, name_id) INCLUDE (entity_id)
        )""")
    op.execute("""
        INSERT INTO entity_name_keys (key, name_id, entity_id)
        SELECT k.key, n.id, n.entity_id
        FROM entity_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    """)
    for statement in TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for op_name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS entity_name_keys_{op_name} ON entity_names")
        op.execute(f"DROP FUNCTION IF EXISTS entity_name_keys_{op_name}()")
    op.execute("DROP TABLE IF EXISTS entity_name_keys")
    op.execute("DROP FUNCTION IF EXISTS search_name_keys(text)")
