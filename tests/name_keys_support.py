"""Helpers for the name-key tests (the trigger, and keys deferred to a second connection)."""

# Keys the trigger wrote that search_name_keys does not give for the row, and the reverse.
KEYS_MISMATCH = """
WITH expected AS (
    SELECT k.key, n.id AS name_id, n.entity_id
    FROM entity_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
)
SELECT (SELECT count(*) FROM (SELECT * FROM entity_name_keys EXCEPT SELECT * FROM expected) a),
       (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM entity_name_keys) b),
       (SELECT count(*) FROM entity_name_keys)
"""
