-- Statement references: the references between imported statements, checked once per
-- statement instead of per row by foreign keys (bulk imports).
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migration 0012.

-- statement_references_check: last defined by migration 0012 (0012_ocds_import_speed.py)
CREATE OR REPLACE FUNCTION public.statement_references_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    missing bigint;
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 BY 2 LOOP
        EXECUTE format('SELECT 1 FROM %2$I p WHERE p.id IN (SELECT n.%1$I FROM new_rows n) '
                       'FOR KEY SHARE OF p', TG_ARGV[i], TG_ARGV[i + 1]);
        EXECUTE format('SELECT n.%1$I FROM new_rows n WHERE n.%1$I IS NOT NULL AND NOT EXISTS '
                       '(SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
                       TG_ARGV[i], TG_ARGV[i + 1]) INTO missing;
        IF missing IS NOT NULL THEN
            RAISE foreign_key_violation USING
                MESSAGE = format('insert or update on table "%s" violates its reference to '
                                 '"%s": %s = %s is not present', TG_TABLE_NAME,
                                 TG_ARGV[i + 1], TG_ARGV[i], missing),
                TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[i];
        END IF;
    END LOOP;
    RETURN NULL;
END $function$;

-- statement_references_on_delete: last defined by migration 0012 (0012_ocds_import_speed.py)
CREATE OR REPLACE FUNCTION public.statement_references_on_delete()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 BY 3 LOOP
        IF TG_ARGV[i + 2] = 'cascade' THEN
            EXECUTE format('DELETE FROM %1$I c WHERE c.%2$I IN (SELECT o.id FROM old_rows o)',
                           TG_ARGV[i], TG_ARGV[i + 1]);
        ELSE
            EXECUTE format('UPDATE %1$I c SET %2$I = NULL '
                           'WHERE c.%2$I IN (SELECT o.id FROM old_rows o)',
                           TG_ARGV[i], TG_ARGV[i + 1]);
        END IF;
    END LOOP;
    RETURN NULL;
END $function$;

-- Triggers last defined by migration 0012 (0012_ocds_import_speed.py)
CREATE TRIGGER references_check_insert AFTER INSERT ON award_suppliers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('award_id', 'awards', 'entity_id', 'entities');
CREATE TRIGGER references_check_update AFTER UPDATE ON award_suppliers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('award_id', 'awards', 'entity_id', 'entities');
CREATE TRIGGER references_check_insert AFTER INSERT ON awards REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts');
CREATE TRIGGER references_check_update AFTER UPDATE ON awards REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts');
CREATE TRIGGER references_on_delete AFTER DELETE ON awards REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_on_delete('award_suppliers', 'award_id', 'cascade');
CREATE TRIGGER references_check_insert AFTER INSERT ON contract_agreements REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts');
CREATE TRIGGER references_check_update AFTER UPDATE ON contract_agreements REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts');
CREATE TRIGGER references_check_insert AFTER INSERT ON contract_parties REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts', 'entity_id', 'entities');
CREATE TRIGGER references_check_update AFTER UPDATE ON contract_parties REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('contract_id', 'contracts', 'entity_id', 'entities');
CREATE TRIGGER references_check_insert AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('buyer_id', 'entities');
CREATE TRIGGER references_check_update AFTER UPDATE ON contracts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_check('buyer_id', 'entities');
CREATE TRIGGER references_on_delete AFTER DELETE ON contracts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_on_delete('contract_parties', 'contract_id', 'cascade', 'awards', 'contract_id', 'cascade', 'contract_agreements', 'contract_id', 'cascade');
CREATE TRIGGER references_on_delete AFTER DELETE ON entities REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references_on_delete('contracts', 'buyer_id', 'set null', 'contract_parties', 'entity_id', 'cascade', 'award_suppliers', 'entity_id', 'cascade');
