// Documents, stored once per (fn, fd), kept as sent, in monthly range partitions; and the rows derived from them.
//
// Identity. A unique constraint on a partitioned table must contain the partition key, so `documents` alone cannot
// promise one row per (fn, fd): two copies of a document received in different months would both fit. `document_keys`
// (not partitioned, primary key (fn, fd)) is the registry of stored documents; the insert path writes it first with
// `on conflict do nothing` and inserts into `documents` only the keys it got. The database enforces the invariant on its
// own as well: documents (fn, fd, received_at) references document_keys (fn, fd, received_at), and document_keys has
// one received_at per (fn, fd), so a second `documents` row for a key has nowhere to point.
// document_keys also tells a reader the received_at of a document, so `ofd show <fn> <fd>` reads exactly one partition.
//
// Partition key: `received_at` (our clock), not the document's `dateTime` (the register's clock).
// - Every row has it, and it is sane. `dateTime` is missing on some documents that fail ФЛК and is whatever the
//   register's clock says (years 2000 and 2037 happen): those would pile up in the DEFAULT partition.
// - Inserts go to the newest partition only: a small hot index set, which the ingest rate needs.
// - A closed month never changes again: offline backlogs that arrive weeks late land in the current month, so old
//   months can be detached and archived safely, and retention (5 years from receipt) is one DETACH per month.
// - The price: cabinet queries by document period (`date_time`) do not prune partitions; they probe one small index per
//   month (60 at 5 years of retention). Queries by received_at prune.
// Derived rows (receipt_items, marking_codes, document_events) carry the document's (fn, fd, received_at) and are
// partitioned the same way, so a month is archived as a whole and joins stay partition-wise.
//
// Month boundaries are UTC midnights. `ofd_ensure_document_partitions(from, months)` creates what is missing (the app
// calls it at start-up); a DEFAULT partition catches anything outside them, and the function moves such rows into the
// partition it creates for them, so creating a partition never fails on rows already in DEFAULT.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

const byteOrder = (col: ColumnDefinitionBuilder) => col.modifyFront(sql`collate "C"`);

/** Partitioned tables, in creation order (dropped in reverse). */
const PARTITIONED = ['documents', 'receipt_items', 'marking_codes', 'document_events'] as const;

/** (fn, fd, received_at): the key every per-document table starts with. received_at is millisecond-precise, so the
 * JavaScript Date read back compares equal to the stored value. */
function documentKey<T extends string, C extends string>(table: CreateTableBuilder<T, C>) {
  return table
    .addColumn('fn', 'text', (col) => byteOrder(col).notNull())
    .addColumn('fd', 'bigint', (col) => col.notNull())
    .addColumn('received_at', sql`timestamptz(3)`, (col) => col.notNull());
}

const partitionByReceivedAt = sql`partition by range (received_at)`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('document_keys')
    .addColumn('fn', 'text', (col) => byteOrder(col).notNull().check(sql`fn ~ '^[0-9]{1,16}$'`))
    .addColumn('fd', 'bigint', (col) => col.notNull().check(sql`fd between 0 and 4294967295`)) // 1040, uint32
    .addColumn('received_at', sql`timestamptz(3)`, (col) => col.notNull())
    .addPrimaryKeyConstraint('document_keys_pkey', ['fn', 'fd'])
    .addUniqueConstraint('document_keys_fn_fd_received_at_key', ['fn', 'fd', 'received_at'])
    .execute();

  await documentKey(db.schema.createTable('documents'))
    .addColumn('form', 'smallint', (col) => col.notNull()) // form code (document type), spec §4
    .addColumn('ffd_version', 'smallint') // 1209
    .addColumn('date_time', 'timestamp') // 1012, the register's local wall clock
    .addColumn('kkt_reg_id', 'text', (col) => byteOrder(col)) // 1037, padding trimmed
    .addColumn('user_inn', 'text', (col) => byteOrder(col)) // 1018, padding trimmed
    // Derived by the persist worker in the same transaction. No foreign keys: the hot table must not lock registry rows.
    .addColumn('register_id', 'bigint')
    .addColumn('outlet_id', 'bigint')
    .addColumn('shift_number', 'bigint') // 1038
    .addColumn('request_number', 'bigint') // 1042, receipt number within the shift
    .addColumn('operation_type', 'smallint') // 1054
    // Totals in kopecks: 1020, 1031, 1081, 1215, 1216, 1217.
    .addColumn('total_sum', 'bigint')
    .addColumn('cash_total_sum', 'bigint')
    .addColumn('ecash_total_sum', 'bigint')
    .addColumn('prepaid_sum', 'bigint')
    .addColumn('credit_sum', 'bigint')
    .addColumn('provision_sum', 'bigint')
    .addColumn('fiscal_sign', 'bigint', (col) => col.check(sql`fiscal_sign between 0 and 4294967295`)) // ФПД as printed
    .addColumn('message_fiscal_sign', sql`numeric(20, 0)`, (col) =>
      col.check(sql`message_fiscal_sign between 0 and 18446744073709551615`),
    ) // ФПС, the container trailer read as a BE uint64
    .addColumn('raw_container', 'bytea', (col) => col.notNull()) // the container exactly as received (header included)
    .addColumn('fns_json', 'jsonb', (col) => col.notNull()) // wrapped by form name: {"receipt": {...}}
    .addColumn('sign_status', 'text', (col) => col.notNull().check(sql`sign_status in ('verified', 'unverified')`))
    .addColumn('flk_status', 'text', (col) => col.notNull().check(sql`flk_status in ('passed', 'failed')`))
    .addColumn('flk_codes', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('ack_code', 'smallint') // 1022 we answered: 0 or 14
    .addColumn('acked_at', 'timestamptz')
    .addColumn('persisted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('reprocessed_at', 'timestamptz')
    .addPrimaryKeyConstraint('documents_pkey', ['fn', 'fd', 'received_at'])
    .addForeignKeyConstraint(
      'documents_document_keys_fkey',
      ['fn', 'fd', 'received_at'],
      'document_keys',
      ['fn', 'fd', 'received_at'],
      (fk) => fk.onDelete('restrict'),
    )
    .modifyEnd(partitionByReceivedAt)
    .execute();
  // Cabinet queries: by register and period, by outlet and period, by fiscal sign. By FN and FD: the primary key.
  await db.schema
    .createIndex('documents_register_id_date_time_idx')
    .on('documents')
    .columns(['register_id', 'date_time'])
    .where(sql.ref('register_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('documents_outlet_id_date_time_idx')
    .on('documents')
    .columns(['outlet_id', 'date_time'])
    .where(sql.ref('outlet_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('documents_fiscal_sign_idx')
    .on('documents')
    .column('fiscal_sign')
    .where(sql.ref('fiscal_sign'), 'is not', null)
    .execute();

  await documentKey(db.schema.createTable('receipt_items'))
    .addColumn('item_index', 'smallint', (col) => col.notNull()) // position of the 1059 item in the document, from 0
    .addColumn('name', 'text') // 1030
    .addColumn('price', 'bigint') // 1079, kopecks
    .addColumn('quantity', 'numeric') // 1023 FVLN: exact, with the scale it was written with
    .addColumn('quantity_measure', 'smallint') // 2108
    .addColumn('unit', 'text') // 1197
    .addColumn('sum', 'bigint') // 1043, kopecks
    .addColumn('nds', 'smallint') // 1199 VAT rate code
    .addColumn('nds_sum', 'bigint') // 1200
    .addColumn('payment_type', 'smallint') // 1214
    .addColumn('product_type', 'smallint') // 1212
    .addColumn('marking_code', 'text') // the item's marking code as text, details in marking_codes
    .addPrimaryKeyConstraint('receipt_items_pkey', ['fn', 'fd', 'received_at', 'item_index'])
    .modifyEnd(partitionByReceivedAt)
    .execute();

  await documentKey(db.schema.createTable('marking_codes'))
    .addColumn('item_index', 'smallint', (col) => col.notNull()) // the item it belongs to (or the 2007 entry of form 82)
    .addColumn('code', 'text', (col) => col.notNull()) // as written, GS separators kept
    .addColumn('code_type', 'text') // FNS JSON name of the 1163 child (gs1m, kmk, ...) or productCode for 1162
    .addColumn('gtin', 'text')
    .addColumn('operation_type', 'smallint') // 1054 of the document
    .addColumn('process_mode', 'smallint') // 2102
    .addColumn('check_result', 'smallint') // 2106
    .addPrimaryKeyConstraint('marking_codes_pkey', ['fn', 'fd', 'received_at', 'item_index'])
    .modifyEnd(partitionByReceivedAt)
    .execute();
  await db.schema.createIndex('marking_codes_code_idx').on('marking_codes').column('code').execute();

  // Lifecycle of a document (received, acked, persisted, forwarded, replayed, ...): append-only, keyed by the
  // document's own received_at so it is archived with the document.
  await documentKey(db.schema.createTable('document_events'))
    .addColumn('id', 'bigint', (col) => col.notNull().generatedByDefaultAsIdentity())
    .addColumn('at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('detail', 'jsonb')
    .addPrimaryKeyConstraint('document_events_pkey', ['fn', 'fd', 'received_at', 'id'])
    .modifyEnd(partitionByReceivedAt)
    .execute();

  for (const table of PARTITIONED) {
    await sql`create table ${sql.table(`${table}_default`)} partition of ${sql.table(table)} default`.execute(db);
  }

  await sql`
    create function ofd_ensure_monthly_partitions(p_parent regclass, p_from date, p_months integer)
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
          -- CREATE ... PARTITION OF takes this lock anyway; taking it first also serialises concurrent callers and keeps
          -- inserts out of DEFAULT while its rows are moved. lock_timeout (above) bounds how long queries queue behind
          -- us: on a timeout the call fails and the next one retries, months before the partition is needed.
          -- Then look again with a fresh snapshot: another caller may have created it meanwhile.
          execute format('lock table %s in access exclusive mode', p_parent);
          v_locked := true;
          continue when exists (select 1 from pg_class where relnamespace = v_schema::regnamespace and relname = v_name);
        end if;

        v_lo := v_month::timestamp at time zone 'UTC';
        v_hi := (v_month + interval '1 month')::timestamp at time zone 'UTC';
        v_moved := 0;
        if v_default is not null then
          -- Rows the DEFAULT partition caught for this month would make CREATE ... PARTITION OF fail: move them.
          execute format('create temp table ofd_partition_move (like %s) on commit drop', v_default);
          execute format(
            'with moved as (delete from %s where %I >= %L and %I < %L returning *) '
            'insert into pg_temp.ofd_partition_move select * from moved',
            v_default, v_key, v_lo, v_key, v_hi);
          get diagnostics v_moved = row_count;
        end if;
        execute format('create table %I.%I partition of %s for values from (%L) to (%L)',
          v_schema, v_name, p_parent, v_lo, v_hi);
        if v_default is not null then
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
  `.execute(db);

  await sql`
    create function ofd_ensure_document_partitions(p_from date, p_months integer)
    returns setof text
    language plpgsql
    as $fn$
    begin
      return query select ofd_ensure_monthly_partitions('documents'::regclass, p_from, p_months);
      return query select ofd_ensure_monthly_partitions('receipt_items'::regclass, p_from, p_months);
      return query select ofd_ensure_monthly_partitions('marking_codes'::regclass, p_from, p_months);
      return query select ofd_ensure_monthly_partitions('document_events'::regclass, p_from, p_months);
    end
    $fn$
  `.execute(db);

  // The current period and a few months either side; the app extends it at every start-up.
  await sql`select ofd_ensure_document_partitions((date_trunc('month', now() at time zone 'UTC') - interval '3 months')::date, 7)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ofd_ensure_document_partitions(date, integer)`.execute(db);
  await sql`drop function ofd_ensure_monthly_partitions(regclass, date, integer)`.execute(db);
  for (const table of [...PARTITIONED].reverse()) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.dropTable('document_keys').execute();
}
