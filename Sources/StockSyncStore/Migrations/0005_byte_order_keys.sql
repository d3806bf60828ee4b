-- Every text column compares as bytes (collation "C"): keys are identifiers (SKUs, warehouse
-- codes, shop domains, GIDs), not prose, and every index lookup compares them many times.
-- Under the database's locale (C.UTF-8 here, en_US.UTF-8 in most images) each comparison
-- went through strcoll; in bytes it is a memcmp. Equality is the same either way. Text
-- columns added by later migrations should say COLLATE "C" themselves: a key compared with
-- a column of another collation would not use that column's index.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> 'schema_migrations'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"', col.table_name, col.column_name);
    END LOOP;
END $$;
