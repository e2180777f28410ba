// Report rollups (issue 7): hourly and daily aggregates of receipts, and daily sales per item, so reports over tens of
// millions of receipts read a few thousand rows instead of scanning documents.
//
// Kept current by `applyRollups(trx, insertedDocuments)` (src/reports/rollups.ts), called in the persist transaction for
// the documents that transaction newly inserted; rebuilt for a period by `rebuildRollups(db, range)`.
// Dimensions are NOT NULL (0 = unknown) so that each row has one key and upserts can add to it.
// Days and hours are the register's local wall clock (documents.date_time), like every document time.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

function measures<T extends string, C extends string>(t: CreateTableBuilder<T, C>) {
  return t
    .addColumn('receipts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cash_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('ecash_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('prepaid_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credit_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('provision_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('nds20_sum', 'bigint', (c) => c.notNull().defaultTo(0)) // 1102
    .addColumn('nds10_sum', 'bigint', (c) => c.notNull().defaultTo(0)) // 1103
    .addColumn('nds0_base', 'bigint', (c) => c.notNull().defaultTo(0)) // 1104
    .addColumn('nds_no_base', 'bigint', (c) => c.notNull().defaultTo(0)) // 1105
    .addColumn('nds20_120_sum', 'bigint', (c) => c.notNull().defaultTo(0)) // 1106
    .addColumn('nds10_110_sum', 'bigint', (c) => c.notNull().defaultTo(0)); // 1107
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, bucket, type] of [
    ['report_rollup_hourly', 'hour', 'timestamp'],
    ['report_rollup_daily', 'day', 'date'],
  ] as const) {
    await measures(
      db.schema
        .createTable(table)
        .addColumn(bucket, type, (c) => c.notNull())
        .addColumn('organization_id', 'bigint', (c) => c.notNull())
        .addColumn('outlet_id', 'bigint', (c) => c.notNull())
        .addColumn('register_id', 'bigint', (c) => c.notNull())
        .addColumn('operation_type', 'smallint', (c) => c.notNull()) // 1054
        .addColumn('taxation_type', 'smallint', (c) => c.notNull()), // 1055
    )
      .addPrimaryKeyConstraint(`${table}_pkey`, [bucket, 'organization_id', 'outlet_id', 'register_id', 'operation_type', 'taxation_type'])
      .execute();
    await db.schema.createIndex(`${table}_organization_idx`).on(table).columns(['organization_id', bucket]).execute();
  }

  await db.schema
    .createTable('report_item_daily')
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('organization_id', 'bigint', (c) => c.notNull())
    .addColumn('outlet_id', 'bigint', (c) => c.notNull())
    .addColumn('register_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', 'numeric', (c) => c.notNull().defaultTo(0)) // sold minus returned
    .addColumn('sum', 'bigint', (c) => c.notNull().defaultTo(0)) // kopecks, sold minus returned
    .addPrimaryKeyConstraint('report_item_daily_pkey', ['day', 'organization_id', 'outlet_id', 'register_id', 'name'])
    .execute();
  await db.schema.createIndex('report_item_daily_organization_idx').on('report_item_daily').columns(['organization_id', 'day']).execute();
  for (const t of ['report_rollup_hourly', 'report_rollup_daily', 'report_item_daily']) {
    await sql`comment on table ${sql.table(t)} is 'Rebuildable from documents: rebuildRollups (src/reports/rollups.ts)'`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('report_item_daily').execute();
  await db.schema.dropTable('report_rollup_daily').execute();
  await db.schema.dropTable('report_rollup_hourly').execute();
}
