// New monthly partitions are created with their columns in a packed order (issue 12 target 4, disk per receipt).
//
// Why: a partition made with CREATE TABLE … PARTITION OF takes its parent's column order, which is the order columns
// were added in over 75 migrations: `documents` puts a 16-character fn before the bigint fd, two smallints between two
// timestamps, the INN before register_id, and so on, and each bigint or timestamp after an odd-sized column is padded to
// 8 bytes. PostgreSQL lets a partition have its own physical order (columns are matched by name when a table is
// attached), so a new month is now CREATE TABLE with the parent's live columns sorted — fixed-length ones by alignment,
// widest first (8-byte, 4-byte, 2-byte, 1-byte), then the variable-length ones, which need no padding at these sizes —
// and then ATTACH PARTITION. `npm run bench:disk`: ≈ 33 bytes less per document row, 7 per marking code. Readers see no
// difference: column order is physical only.

// ofd_create_partition_packed builds the table from the parent's catalogue at the moment it is called, so a column a
// later migration adds (to the parent, and so to every partition) is placed too. What ATTACH needs and does itself:
// - the same columns, types and collations, NOT NULL where the parent has it, and the parent's CHECK constraints —
//   copied here; defaults, storage and compression are copied too (a row inserted through the parent takes the parent's
//   defaults, but a partition made by PARTITION OF has them, and so does this one);
// - the parent's indexes, foreign keys and row triggers — ATTACH creates or clones them on the partition, with the
//   names PARTITION OF would give;
// - a scan of the new (empty) table and of the DEFAULT partition for rows of the new month: ofd_ensure_monthly_partitions
//   moves those out of DEFAULT first, as before.
//
// Partitions that exist and hold rows keep their layout (rewriting one means copying it). The migration rebuilds the
// ones that are empty — the months created ahead, and on a fresh database all of them — under an exclusive lock of the
// parent, taken after the tables its foreign keys reference (document_keys for documents: ATTACH locks it to clone the
// key, and the writers of a previous release, still running, lock the key first and the document second; the other
// order could deadlock with them). Each lock is waited for at most 5 s: if a long reader holds a table (or a deadlock
// picks the migration), that table's empty months keep the old layout (a notice says so), the migration goes on, and
// the months created from now on are packed all the same. The locks are held until every pending migration has
// committed (one transaction): storing documents waits that long, a moment on a database already at 0075.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

/**
 * ofd_ensure_monthly_partitions: migration 0002's function (packed = false, what down() puts back), or this
 * migration's, which creates each month with ofd_create_partition_packed instead of PARTITION OF.
 */
function ensureMonthlyPartitions(packed: boolean) {
  const lockReferenced = sql.raw(packed
    ? `          -- First the tables the parent's foreign keys reference (documents → document_keys), whose lock the attach
          -- needs too: the writers take them in that order (the key, then the document), so taking the parent first
          -- could deadlock with one.
          perform ofd_lock_referenced_tables(p_parent);
`
    : '');
  const createPartition = sql.raw(packed
    ? `        perform ofd_create_partition_packed(p_parent, v_schema, v_name, v_lo, v_hi);
`
    : `        execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
          v_schema, v_name, p_parent, v_lo, v_hi);
`);
  return sql`
    create or replace function ofd_ensure_monthly_partitions(p_parent regclass, p_from date, p_months integer)
    returns setof text
    language plpgsql
    set lock_timeout = '2s'
    as $fn$
    declare
      v_schema name;
      v_table name;
      v_key name;
      v_default regclass;
      v_columns text;
      v_month date;
      v_name text;
      v_lo timestamptz;
      v_hi timestamptz;
      v_locked boolean := false;
      v_moved bigint;
    begin
      if p_months is null or p_months < 0 or p_months > 1200 then
        raise exception 'ofd_ensure_monthly_partitions: months must be 0..1200, got %', p_months;
      end if;
      select n.nspname, c.relname into v_schema, v_table
        from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = p_parent;
      select a.attname, nullif(pt.partdefid, 0)::regclass into v_key, v_default
        from pg_partitioned_table pt
        join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
        where pt.partrelid = p_parent and pt.partstrat = 'r' and pt.partnatts = 1;
      if v_key is null then
        raise exception 'ofd_ensure_monthly_partitions: % is not range-partitioned on one column', p_parent;
      end if;

      for i in 0 .. p_months - 1 loop
        v_month := (date_trunc('month', p_from::timestamp) + make_interval(months => i))::date;
        v_name := format('%s_p%s', v_table, to_char(v_month, 'YYYYMM'));
        continue when to_regclass(format('%I.%I', v_schema, v_name)) is not null;

        if not v_locked then
          -- Creating and attaching the partition takes this lock anyway; taking it first also serialises concurrent
          -- callers and keeps inserts out of DEFAULT while its rows are moved. lock_timeout (above) bounds how long
          -- queries queue behind us: on a timeout the call fails and the next one retries, months before the partition
          -- is needed. Then look again with a fresh snapshot: another caller may have created it meanwhile.
${lockReferenced}          execute format('lock table %s in access exclusive mode', p_parent);
          v_locked := true;
          continue when exists (select 1 from pg_class where relnamespace = v_schema::regnamespace and relname = v_name);
        end if;

        v_lo := v_month::timestamp at time zone 'UTC';
        v_hi := (v_month + interval '1 month')::timestamp at time zone 'UTC';
        v_moved := 0;
        if v_default is not null then
          -- Rows the DEFAULT partition caught for this month would make creating the partition fail: move them.
          execute format('create temp table ofd_partition_move (like %s) on commit drop', v_default);
          execute format(
            'with moved as (delete from %s where %I >= %L and %I < %L returning *) '
            'insert into pg_temp.ofd_partition_move select * from moved',
            v_default, v_key, v_lo, v_key, v_hi);
          get diagnostics v_moved = row_count;
        end if;
${createPartition}        if v_default is not null then
          if v_moved > 0 then
            select string_agg(quote_ident(attname), ', ' order by attnum) into v_columns
              from pg_attribute
              where attrelid = p_parent and attnum > 0 and not attisdropped and attgenerated = '';
            execute format('insert into %s (%s) overriding system value select %s from pg_temp.ofd_partition_move',
              p_parent, v_columns, v_columns);
          end if;
          drop table pg_temp.ofd_partition_move;
        end if;
        return next v_name;
      end loop;
    end
    $fn$
  `;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // The lock attaching a partition of p_parent takes on each table its foreign keys reference.
  await sql`
    create function ofd_lock_referenced_tables(p_parent regclass)
    returns void
    language plpgsql
    as $fn$
    declare
      v_referenced regclass;
    begin
      for v_referenced in
        select distinct c.confrelid::regclass from pg_constraint c where c.conrelid = p_parent and c.contype = 'f' order by 1
      loop
        execute format('lock table %s in share row exclusive mode', v_referenced);
      end loop;
    end
    $fn$
  `.execute(db);

  // The partition p_schema.p_name of p_parent for [p_lo, p_hi), its columns in packed order (see above).
  await sql`
    create function ofd_create_partition_packed(p_parent regclass, p_schema name, p_name name, p_lo timestamptz, p_hi timestamptz)
    returns void
    language plpgsql
    as $fn$
    declare
      v_table text := format('%I.%I', p_schema, p_name);
      v_columns text;
      v_checks text;
      v_tablespace text;
      v_column record;
    begin
      select string_agg(
               format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
               || case when a.attcollation <> t.typcollation
                       then format(' collate %I.%I', cn.nspname, co.collname) else '' end
               || case when a.attgenerated = 's' then format(' generated always as (%s) stored', pg_get_expr(d.adbin, d.adrelid))
                       when d.adbin is not null then format(' default %s', pg_get_expr(d.adbin, d.adrelid))
                       else '' end
               || case when a.attnotnull then ' not null' else '' end,
               ', '
               -- Fixed-length first, widest alignment first; variable-length last, in the parent's order.
               order by a.attlen < 0, case t.typalign when 'd' then 0 when 'i' then 1 when 's' then 2 else 3 end, a.attnum)
        into v_columns
        from pg_attribute a
        join pg_type t on t.oid = a.atttypid
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        left join pg_collation co on co.oid = a.attcollation
        left join pg_namespace cn on cn.oid = co.collnamespace
       where a.attrelid = p_parent and a.attnum > 0 and not a.attisdropped;
      select string_agg(format(', constraint %I %s', c.conname, pg_get_constraintdef(c.oid)), '' order by c.conname)
        into v_checks
        from pg_constraint c
       where c.conrelid = p_parent and c.contype = 'c';
      -- A tablespace set on the parent is where PARTITION OF would put the partition.
      select format(' tablespace %I', ts.spcname) into v_tablespace
        from pg_class c join pg_tablespace ts on ts.oid = c.reltablespace
       where c.oid = p_parent;
      execute format('create table %s (%s%s)%s', v_table, v_columns, coalesce(v_checks, ''), coalesce(v_tablespace, ''));
      for v_column in
        select a.attname, a.attstorage, a.attcompression, t.typstorage
          from pg_attribute a join pg_type t on t.oid = a.atttypid
         where a.attrelid = p_parent and a.attnum > 0 and not a.attisdropped
           and (a.attstorage <> t.typstorage or a.attcompression <> '')
      loop
        if v_column.attstorage <> v_column.typstorage then
          execute format('alter table %s alter column %I set storage %s', v_table, v_column.attname,
            case v_column.attstorage when 'p' then 'plain' when 'e' then 'external' when 'm' then 'main' else 'extended' end);
        end if;
        if v_column.attcompression <> '' then
          execute format('alter table %s alter column %I set compression %s', v_table, v_column.attname,
            case v_column.attcompression when 'l' then 'lz4' else 'pglz' end);
        end if;
      end loop;
      execute format('alter table %s attach partition %s for values from (%L) to (%L)', p_parent, v_table, p_lo, p_hi);
    end
    $fn$
  `.execute(db);

  await ensureMonthlyPartitions(true).execute(db);

  // The empty months, rebuilt packed. The extended statistics of each documents partition (migration 0051) go with
  // the table; ensureDocumentPartitions creates them again at the next start-up, and so does this.
  await sql`
    do $do$
    declare
      v_parent regclass;
      v_part record;
      v_has_rows boolean;
      -- Every pending migration runs in one transaction: put the setting back for those after this one.
      v_lock_timeout text := current_setting('lock_timeout');
    begin
      perform set_config('lock_timeout', '5s', true);
      foreach v_parent in array array['documents', 'marking_codes', 'document_events']::regclass[] loop
        begin
          perform ofd_lock_referenced_tables(v_parent);
          execute format('lock table %s in access exclusive mode', v_parent);
          for v_part in
            select n.nspname, c.relname, b.m[1]::timestamptz as lo, b.m[2]::timestamptz as hi
              from pg_inherits i
              join pg_class c on c.oid = i.inhrelid
              join pg_namespace n on n.oid = c.relnamespace,
                   lateral (select regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                                'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)') as m) b
             where i.inhparent = v_parent and b.m is not null
             order by c.relname
          loop
            -- Empty: no row visible now, and no page ever written (the size does not depend on the snapshot, which
            -- under REPEATABLE READ would be older than the lock).
            execute format('select exists (select 1 from %I.%I) or pg_relation_size(%L) > 0',
              v_part.nspname, v_part.relname, format('%I.%I', v_part.nspname, v_part.relname)) into v_has_rows;
            continue when v_has_rows;
            execute format('drop table %I.%I', v_part.nspname, v_part.relname);
            perform ofd_create_partition_packed(v_parent, v_part.nspname, v_part.relname, v_part.lo, v_part.hi);
            if v_parent = 'documents'::regclass then
              execute format('create statistics if not exists %I (dependencies) on register_id, user_inn from %I.%I',
                v_part.relname || '_register_inn', v_part.nspname, v_part.relname);
            end if;
          end loop;
        exception when lock_not_available or deadlock_detected then
          -- A long reader, or one holding another of these tables while it waits for this one.
          raise notice '% is in use: its empty monthly partitions keep their layout (the months created from now on are packed)', v_parent;
        end;
      end loop;
      perform set_config('lock_timeout', v_lock_timeout, true);
    end
    $do$
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Partitions already created packed stay so: their layout is physical only.
  await ensureMonthlyPartitions(false).execute(db);
  await sql`drop function ofd_create_partition_packed(regclass, name, name, timestamptz, timestamptz)`.execute(db);
  await sql`drop function ofd_lock_referenced_tables(regclass)`.execute(db);
}
