"""name words: the vocabulary of names, to correct a typo in a query's words

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 14:00:00.000000

A typo in a query's only distinctive word ("constrution") gives it no blocking key: the
word's token key finds nothing and its metaphone usually changes too. The old remedy, the
trigram index over every name, made the slowest searches (p95 854 ms at 1M names). Now the
query side corrects the word first (search/corrections.py), and ``search_query_keys``
gives the keys of every reading of the query.

``name_words`` holds every word of four letters or more of every name, and each of its
one-letter deletions (``variant``): two words are one typo apart (a letter added, dropped,
changed, or two neighbours swapped) exactly when they share a variant, so a correction is
one index probe per letter of the word (the symmetric-delete method of SymSpell), whatever
the size of the vocabulary.

It is written by the same statement-level triggers as the keys. It has no unique
constraint on purpose: two transactions adding the same new word at once would wait for
each other on a unique index (and could deadlock across statements); instead each adds
the words that it cannot see yet, so a word can at worst appear twice. Words are never
removed: a stale word only proposes a correction whose keys find nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Shorter words are not corrected: one typo away from too many others, and their keys are
# frequent anyway.
MIN_WORD = 4

# The word and its one-letter deletions.
VARIANTS = r"""
CREATE OR REPLACE FUNCTION search_word_variants(word text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT word
    UNION
    SELECT overlay(word PLACING '' FROM g FOR 1) FROM generate_series(1, length(word)) AS g
$$
"""

ADD_WORDS = f"""
    INSERT INTO name_words (variant, word)
    SELECT v.variant, w.tok
    FROM (
        SELECT DISTINCT t.tok
        FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN {MIN_WORD} AND 60
    ) w CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    WHERE NOT EXISTS (SELECT 1 FROM name_words x WHERE x.variant = w.tok AND x.word = w.tok);
"""

# The statements of the key triggers: as migration 0013 left them (rules inlined from
# ``search_name_keys_rows``), the insert deriving the keys once per distinct name of the
# statement (as 0012 did: names repeat within an import); this migration adds the words of
# the new names to name_words after them.
KEYS_INSERT = r"""
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    WITH name_keys AS MATERIALIZED (
        SELECT u.normalized, k.key
        FROM (SELECT DISTINCT normalized FROM new_names) AS u
        CROSS JOIN LATERAL search_name_keys_rows(u.normalized) AS k(key)
    )
    SELECT d.key, n.id, n.entity_id
    FROM new_names n JOIN name_keys d ON d.normalized = n.normalized;
"""
PREVIOUS_KEYS_INSERT = r"""
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL search_name_keys_rows(n.normalized) AS k(key);
"""
KEYS_UPDATE = r"""
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
"""


def _function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n    RETURN NULL;\nEND $$")


TRIGGERS = [_function("entity_name_keys_insert", KEYS_INSERT + ADD_WORDS),
            _function("entity_name_keys_update", KEYS_UPDATE + ADD_WORDS)]
PREVIOUS_TRIGGERS = [_function("entity_name_keys_insert", PREVIOUS_KEYS_INSERT),
                     _function("entity_name_keys_update", KEYS_UPDATE)]

QUERY_KEYS = [r"""
CREATE OR REPLACE FUNCTION search_query_keys(readings text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- The keys of every reading of a query: as typed, and with its rare words corrected
    -- (search/corrections.py).
    SELECT coalesce(array_agg(DISTINCT k), '{}')
    FROM unnest(readings) AS r(reading) CROSS JOIN LATERAL unnest(search_name_keys(r.reading)) AS k
$$
"""]

def upgrade() -> None:
    op.execute("CREATE TABLE name_words (variant text NOT NULL, word text NOT NULL)")
    op.execute(VARIANTS)
    op.execute(f"""
        INSERT INTO name_words (variant, word)
        SELECT v.variant, w.tok
        FROM (SELECT DISTINCT t.tok
              FROM entity_names n
              CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
              WHERE length(t.tok) BETWEEN {MIN_WORD} AND 60) w
        CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    """)
    op.execute("CREATE INDEX ix_name_words_variant ON name_words (variant, word)")
    for statement in (*TRIGGERS, *QUERY_KEYS):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS search_query_keys(text[])")
    for statement in PREVIOUS_TRIGGERS:
        op.execute(statement)
    op.execute("DROP FUNCTION IF EXISTS search_word_variants(text)")
    op.execute("DROP TABLE IF EXISTS name_words")
