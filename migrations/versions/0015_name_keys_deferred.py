"""name keys deferred: a bulk importer builds its names' keys on a second connection

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 14:30:00

The insert trigger's keys and words were a third of the server's work in a BODS import
(``bench/bods_import.py``), all of it on the importer's one connection while the second
core idled. A session that sets ``registry.defer_name_keys`` to ``on`` (for its
transaction: ``set_config(..., true)``) now only queues the ids of its new names in
``name_keys_pending``, committed with the names themselves;
``entity_name_keys_build_pending()`` takes the queue and writes the very same keys and
words as the trigger, and the importer calls it on another connection while it writes the
next batches, and until the queue is empty before the import ends. A crash leaves the
queue with the names: the next import (any dataset) empties it first. Any other writer is
unaffected: without the setting the trigger writes the keys itself, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIN_WORD = 4  # as 0014

# 0014's trigger statements, over a relation called new_names.
KEYS_INSERT = r"""
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    WITH name_keys AS MATERIALIZED (
        SELECT u.normalized, k.key
        FROM (SELECT DISTINCT normalized FROM new_names) AS u
        CROSS JOIN LATERAL search_name_keys_rows(u.normalized) AS k(key)
    )
    SELECT d.key, n.id, n.entity_id
    FROM new_names n JOIN name_keys d ON d.normalized = n.normalized
"""
ADD_WORDS = f"""
    INSERT INTO name_words (variant, word)
    SELECT v.variant, w.tok
    FROM (
        SELECT DISTINCT t.tok
        FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN {MIN_WORD} AND 60
    ) w CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    WHERE NOT EXISTS (SELECT 1 FROM name_words x WHERE x.variant = w.tok AND x.word = w.tok)
"""


def _insert_trigger(prelude: str) -> str:
    return ("CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$\nBEGIN\n{prelude}{KEYS_INSERT};\n{ADD_WORDS};\n"
            "    RETURN NULL;\nEND $$")


DEFERRED = """
    IF current_setting('registry.defer_name_keys', true) = 'on' THEN
        INSERT INTO name_keys_pending (name_id) SELECT id FROM new_names;
        RETURN NULL;
    END IF;
"""

# One statement: the queue is taken (rows a concurrent builder holds are waited for, then
# skipped as gone) and the names still there get their keys. The names are locked FOR SHARE
# so that a delete or rename of one waits for these keys to be committed, and then its own
# trigger (a new snapshot per statement) sees and replaces them; a name deleted before is
# skipped. A name renamed before was taken off the queue and keyed by the update trigger,
# so the keys here cannot conflict: a plain insert (ON CONFLICT made the build 40% dearer).
BUILD = f"""
CREATE OR REPLACE FUNCTION entity_name_keys_build_pending() RETURNS bigint
LANGUAGE sql AS $$
    WITH taken AS (DELETE FROM name_keys_pending RETURNING name_id),
    new_names AS MATERIALIZED (
        SELECT n.id, n.entity_id, n.normalized FROM entity_names n
        -- An array, not IN (subquery): the planner would hash the queue and scan every name.
        WHERE n.id = ANY(ARRAY(SELECT name_id FROM taken))
        FOR SHARE
    ),
    keys AS ({KEYS_INSERT} RETURNING 1),
    words AS ({ADD_WORDS} RETURNING 1)
    SELECT count(*) FROM new_names
$$
"""


# 0014's update trigger, except that a queued name is taken off the queue and keyed in full
# (an update that keeps its normalised form too: the builder will not see it any more).
# Taking it waits for a builder holding it; the diff then applies to the keys it built.
UPDATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION entity_name_keys_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    queued bigint[];
BEGIN
    WITH taken AS (
        DELETE FROM name_keys_pending p USING new_names n WHERE p.name_id = n.id
        RETURNING p.name_id
    )
    SELECT coalesce(array_agg(name_id), '{{}}') INTO queued FROM taken;
    IF cardinality(queued) > 0 THEN
        INSERT INTO entity_name_keys (key, name_id, entity_id)
        SELECT k.key, n.id, n.entity_id
        FROM new_names n CROSS JOIN LATERAL search_name_keys_rows(n.normalized) AS k(key)
        WHERE n.id = ANY(queued);
    END IF;
    DELETE FROM entity_name_keys k
    USING old_names o JOIN new_names n ON n.id = o.id
          CROSS JOIN LATERAL search_name_keys_rows(o.normalized) AS d(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
      AND o.id <> ALL(queued) AND k.key = d.key AND k.name_id = o.id;
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM old_names o JOIN new_names n ON n.id = o.id
         CROSS JOIN LATERAL search_name_keys_rows(n.normalized) AS k(key)
    WHERE (o.normalized, o.entity_id) IS DISTINCT FROM (n.normalized, n.entity_id)
      AND n.id <> ALL(queued)
    ON CONFLICT DO NOTHING;
{ADD_WORDS};
    RETURN NULL;
END $$
"""
PREVIOUS_UPDATE_TRIGGER = f"""
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
{ADD_WORDS};
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    # No index: it is only ever emptied whole.
    op.execute("CREATE TABLE name_keys_pending (name_id bigint NOT NULL)")
    op.execute(_insert_trigger(DEFERRED))
    op.execute(UPDATE_TRIGGER)
    op.execute(BUILD)


def downgrade() -> None:
    op.execute("SELECT entity_name_keys_build_pending()")
    op.execute(_insert_trigger(""))
    op.execute(PREVIOUS_UPDATE_TRIGGER)
    op.execute("DROP FUNCTION IF EXISTS entity_name_keys_build_pending()")
    op.execute("DROP TABLE IF EXISTS name_keys_pending")
