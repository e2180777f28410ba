// A textual dump of everything the migrations own in the public schema, to compare schemas (not data). OIDs, and the
// migrator's own tables, are left out.
import { sql, type Kysely } from 'kysely';

export interface SchemaDump {
  relations: unknown[];
  columns: unknown[];
  constraints: unknown[];
  indexes: unknown[];
  functions: unknown[];
}

const OWN = `not like 'kysely\\_migration%'`;

export async function dumpSchema<D>(db: Kysely<D>): Promise<SchemaDump> {
  const q = async (text: string) => (await sql.raw(text).execute(db)).rows;
  return {
    relations: await q(`
      select c.relname, c.relkind, c.relpersistence, pg_get_expr(c.relpartbound, c.oid) as bound,
             case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey,
             (select string_agg(p.relname, ',') from pg_inherits i join pg_class p on p.oid = i.inhparent
               where i.inhrelid = c.oid) as parent
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname ${OWN}
       order by c.relname`),
    columns: await q(`
      -- The column's place among the live columns: a column dropped and added again (a migration reverted and re-applied)
      -- gets a new attnum, and information_schema's ordinal_position counts the dropped one's gap.
      select table_name, row_number() over (partition by table_name order by ordinal_position) as ordinal_position, column_name, data_type, udt_name, character_maximum_length,
             numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default, collation_name,
             is_identity, identity_generation, is_generated
        from information_schema.columns
       where table_schema = 'public' and table_name ${OWN}
       order by table_name, ordinal_position`),
    constraints: await q(`
      select conrelid::regclass::text as rel, conname, contype, pg_get_constraintdef(oid) as def
        from pg_constraint
       where connamespace = 'public'::regnamespace and conrelid::regclass::text ${OWN}
       order by 1, 2`),
    indexes: await q(`
      select schemaname, tablename, indexname, indexdef
        from pg_indexes
       where schemaname = 'public' and tablename ${OWN}
       order by tablename, indexname`),
    functions: await q(`
      select proname, pg_get_function_identity_arguments(oid) as args, pg_get_functiondef(oid) as def
        from pg_proc
       where pronamespace = 'public'::regnamespace
       order by 1, 2`),
  };
}
