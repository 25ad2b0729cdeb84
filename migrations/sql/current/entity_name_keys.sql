-- entity_name_keys: the triggers on entity_names that keep each name's blocking keys and
-- name_words current, and the builder of the keys that bulk imports defer
-- (registry.defer_name_keys).
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migrations 0010, 0013, 0015.

-- entity_name_keys_build_pending: last defined by migration 0015 (0015_name_keys_deferred.py)
CREATE OR REPLACE FUNCTION public.entity_name_keys_build_pending()
 RETURNS bigint
 LANGUAGE sql
AS $function$
    WITH taken AS (DELETE FROM name_keys_pending RETURNING name_id),
    new_names AS MATERIALIZED (
        SELECT n.id, n.entity_id, n.normalized FROM entity_names n
        -- An array, not IN (subquery): the planner would hash the queue and scan every name.
        WHERE n.id = ANY(ARRAY(SELECT name_id FROM taken))
        FOR SHARE
    ),
    keys AS (
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    WITH name_keys AS MATERIALIZED (
        SELECT u.normalized, k.key
        FROM (SELECT DISTINCT normalized FROM new_names) AS u
        CROSS JOIN LATERAL search_name_keys_rows(u.normalized) AS k(key)
    )
    SELECT d.key, n.id, n.entity_id
    FROM new_names n JOIN name_keys d ON d.normalized = n.normalized
 RETURNING 1),
    words AS (
    INSERT INTO name_words (variant, word)
    SELECT v.variant, w.tok
    FROM (
        SELECT DISTINCT t.tok
        FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN 4 AND 60
    ) w CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    WHERE NOT EXISTS (SELECT 1 FROM name_words x WHERE x.variant = w.tok AND x.word = w.tok)
 RETURNING 1)
    SELECT count(*) FROM new_names
$function$;

-- entity_name_keys_delete: last defined by migration 0013 (0013_name_keys_set_based.py)
CREATE OR REPLACE FUNCTION public.entity_name_keys_delete()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM entity_name_keys k
    USING old_names o CROSS JOIN LATERAL search_name_keys_rows(o.normalized) AS d(key)
    WHERE k.key = d.key AND k.name_id = o.id;
    RETURN NULL;
END $function$;

-- entity_name_keys_insert: last defined by migration 0015 (0015_name_keys_deferred.py)
CREATE OR REPLACE FUNCTION public.entity_name_keys_insert()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN

    IF current_setting('registry.defer_name_keys', true) = 'on' THEN
        INSERT INTO name_keys_pending (name_id) SELECT id FROM new_names;
        RETURN NULL;
    END IF;

    INSERT INTO entity_name_keys (key, name_id, entity_id)
    WITH name_keys AS MATERIALIZED (
        SELECT u.normalized, k.key
        FROM (SELECT DISTINCT normalized FROM new_names) AS u
        CROSS JOIN LATERAL search_name_keys_rows(u.normalized) AS k(key)
    )
    SELECT d.key, n.id, n.entity_id
    FROM new_names n JOIN name_keys d ON d.normalized = n.normalized
;

    INSERT INTO name_words (variant, word)
    SELECT v.variant, w.tok
    FROM (
        SELECT DISTINCT t.tok
        FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN 4 AND 60
    ) w CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    WHERE NOT EXISTS (SELECT 1 FROM name_words x WHERE x.variant = w.tok AND x.word = w.tok)
;
    RETURN NULL;
END $function$;

-- entity_name_keys_update: last defined by migration 0015 (0015_name_keys_deferred.py)
CREATE OR REPLACE FUNCTION public.entity_name_keys_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    queued bigint[];
BEGIN
    WITH taken AS (
        DELETE FROM name_keys_pending p USING new_names n WHERE p.name_id = n.id
        RETURNING p.name_id
    )
    SELECT coalesce(array_agg(name_id), '{}') INTO queued FROM taken;
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

    INSERT INTO name_words (variant, word)
    SELECT v.variant, w.tok
    FROM (
        SELECT DISTINCT t.tok
        FROM new_names n CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN 4 AND 60
    ) w CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    WHERE NOT EXISTS (SELECT 1 FROM name_words x WHERE x.variant = w.tok AND x.word = w.tok)
;
    RETURN NULL;
END $function$;

-- Triggers last defined by migration 0010 (0010_name_keys.py)
CREATE TRIGGER entity_name_keys_delete AFTER DELETE ON entity_names REFERENCING OLD TABLE AS old_names FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_delete();
CREATE TRIGGER entity_name_keys_insert AFTER INSERT ON entity_names REFERENCING NEW TABLE AS new_names FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_insert();
CREATE TRIGGER entity_name_keys_update AFTER UPDATE ON entity_names REFERENCING OLD TABLE AS old_names NEW TABLE AS new_names FOR EACH STATEMENT EXECUTE FUNCTION entity_name_keys_update();
