"""name words: the vocabulary of names, to correct a typo in a query's words

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-23 14:00:00.000000

A typo in a query's only distinctive word ("constrution") gives it no blocking key: the
word's token key finds nothing and its metaphone usually changes too. The old remedy, the
trigram index over every name, made the slowest searches (p95 854 ms at 1M names). Now the
query side corrects the word first: ``search_query_keys`` adds the keys of the query with
each unknown word (no ``t:`` key) replaced by the known word within a typo's edit distance
(``name_words``: a GiST trigram KNN over the vocabulary, which is far smaller than the
names, then Levenshtein).

``name_words`` is written by the same statement-level triggers as the keys. It has no
unique constraint on purpose: two transactions adding the same new word at once would wait
for each other on a unique index (and could deadlock across statements); instead each adds
words that it cannot see yet, so a word can at worst appear twice. Words are never removed:
a stale word only proposes a correction whose keys find nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Shorter words are not corrected: their trigrams say too little, and their keys are
# frequent anyway.
MIN_WORD = 4
# Known words nearest by trigrams among which the edit distance picks the correction.
NEAR_WORDS = 100

ADD_WORDS = f"""
    INSERT INTO name_words (word)
    SELECT DISTINCT t.tok
    FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
    WHERE length(t.tok) BETWEEN {MIN_WORD} AND 60
      AND NOT EXISTS (SELECT 1 FROM name_words w WHERE w.word = t.tok);
"""

TRIGGERS = [rf"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    ON CONFLICT DO NOTHING;
    {ADD_WORDS}
    RETURN NULL;
END $$
""", rf"""
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
    {ADD_WORDS}
    RETURN NULL;
END $$
"""]

QUERY_KEYS = [rf"""
CREATE OR REPLACE FUNCTION search_corrections(normalized text)
RETURNS TABLE (pick int, corrected text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- Each word that no name has (no t: key) becomes a known word within the edit
    -- distance of a typo: the nearest (pick 1) or the next nearest (pick 2, or the nearest
    -- when there is only one); other words stay as they are. Trigram distance finds near
    -- words fast (GiST KNN), and the edit distance orders them, counting two neighbouring
    -- letters swapped as one edit: "curtrdi" is "curtdri", not "curtdo".
    WITH words AS (
        SELECT u.tok, u.i FROM unnest(string_to_array(normalized, ' ')) WITH ORDINALITY AS u(tok, i)
    ),
    near AS (
        SELECT w.i, n.word, n.lev, n.d FROM words w
        CROSS JOIN LATERAL (
            SELECT x.word, levenshtein(x.word, w.tok) AS lev, x.word <-> w.tok AS d
            FROM name_words x
            WHERE length(w.tok) >= {MIN_WORD}
              AND NOT EXISTS (SELECT 1 FROM entity_name_keys k WHERE k.key = 't:' || w.tok)
            ORDER BY x.word <-> w.tok
            LIMIT {NEAR_WORDS}
        ) n
        WHERE n.lev <= 2
    ),
    ranked AS (
        SELECT n.i, n.word, row_number() OVER (PARTITION BY n.i ORDER BY
                   CASE WHEN n.lev = 2 AND length(n.word) = length(w.tok) AND EXISTS (
                            SELECT 1 FROM generate_series(1, length(w.tok) - 1) g
                            WHERE overlay(w.tok PLACING substr(w.tok, g + 1, 1)
                                          || substr(w.tok, g, 1) FROM g FOR 2) = n.word)
                        THEN 1 ELSE n.lev END, n.d, n.word) AS r
        FROM near n JOIN words w ON w.i = n.i
        WHERE n.lev <= CASE WHEN length(w.tok) < 5 THEN 1 ELSE 2 END
    )
    SELECT p.pick, string_agg(coalesce(
               (SELECT r.word FROM ranked r WHERE r.i = w.i AND r.r <= p.pick
                ORDER BY r.r DESC LIMIT 1), w.tok), ' ' ORDER BY w.i)
    FROM words w CROSS JOIN (VALUES (1), (2)) AS p(pick)
    WHERE EXISTS (SELECT 1 FROM ranked)
    GROUP BY p.pick
$$
""", r"""
CREATE OR REPLACE FUNCTION search_query_keys(normalized text) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- The keys of the query as typed, and of the query with its unknown words corrected
    -- (two readings, when a typo is near two known words).
    SELECT coalesce(array_agg(DISTINCT k), '{}') FROM (
        SELECT unnest(search_name_keys(normalized))
        UNION ALL
        SELECT unnest(search_name_keys(c.corrected)) FROM search_corrections(normalized) c
    ) keys(k)
$$
"""]

def upgrade() -> None:
    op.execute("CREATE TABLE name_words (word text NOT NULL)")
    op.execute(f"""
        INSERT INTO name_words (word)
        SELECT DISTINCT t.tok
        FROM entity_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' '))
             AS t(tok)
        WHERE length(t.tok) BETWEEN {MIN_WORD} AND 60
    """)
    op.execute("CREATE INDEX ix_name_words_word ON name_words (word)")
    op.execute("CREATE INDEX ix_name_words_trgm ON name_words USING gist (word gist_trgm_ops)")
    for statement in (*TRIGGERS, *QUERY_KEYS):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS search_query_keys(text)")
    op.execute("DROP FUNCTION IF EXISTS search_corrections(text)")
    op.execute(r"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
""")
    op.execute(r"""
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
""")
    op.execute("DROP TABLE IF EXISTS name_words")
