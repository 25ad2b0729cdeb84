-- Search keys: the blocking keys of a normalised name (search/name_keys.py computes the
-- same in Python), the variants of a word for corrections, the keys of a query's readings,
-- and the key of an identifier.
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migrations 0004, 0013, 0014.

-- search_identifier_key: last defined by migration 0004 (0004_search.py)
CREATE OR REPLACE FUNCTION public.search_identifier_key(scheme text, value text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT ltrim(
        regexp_replace(
            upper(regexp_replace(
                CASE WHEN scheme <> '' AND left(upper(value), length(scheme)) = upper(scheme)
                     THEN substr(value, length(scheme) + 1) ELSE value END,
                '\([^)]*\)', '', 'g')),
            '[^A-Z0-9]', '', 'g'),
        '0')
$function$;

-- search_name_keys: last defined by migration 0013 (0013_name_keys_set_based.py)
CREATE OR REPLACE FUNCTION public.search_name_keys(normalized text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM search_name_keys_rows(normalized) AS r(k)
$function$;

-- search_name_keys_rows: last defined by migration 0013 (0013_name_keys_set_based.py)
CREATE OR REPLACE FUNCTION public.search_name_keys_rows(normalized text)
 RETURNS SETOF text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
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
$function$;

-- search_query_keys: last defined by migration 0014 (0014_name_words.py)
CREATE OR REPLACE FUNCTION public.search_query_keys(readings text[])
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    -- The keys of every reading of a query: as typed, and with its rare words corrected
    -- (search/corrections.py).
    SELECT coalesce(array_agg(DISTINCT k), '{}')
    FROM unnest(readings) AS r(reading) CROSS JOIN LATERAL unnest(search_name_keys(r.reading)) AS k
$function$;

-- search_word_variants: last defined by migration 0014 (0014_name_words.py)
CREATE OR REPLACE FUNCTION public.search_word_variants(word text)
 RETURNS SETOF text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT word
    UNION
    SELECT overlay(word PLACING '' FROM g FOR 1) FROM generate_series(1, length(word)) AS g
$function$;
