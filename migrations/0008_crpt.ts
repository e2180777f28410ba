// CRPT forwarding (issue 5): the delivery of each sale (a receipt with marking codes, or a form-82 sale notification
// from the marking channel) and the stages of each marking code in it.
//
// crpt_sales: one row per (source, fn, fd). status sending (a worker holds the send lease until lease_until), retrying
// (the last attempt failed, BullMQ retries), delivered (CRPT answered; never sent again), dead (out of attempts or a
// terminal failure; the job is in dead_letters). No foreign key to document_keys: notifications are not documents.
//
// crpt_code_status: one row per code of a sale. stage: checked (what the receipt/notification recorded: 2106 or 2004
// per code, 2107 of the receipt) → delivered (the sale data reached CRPT) → crpt_answered (crpt_status holds CRPT's
// status of the code: INTRODUCED, RETIRED, UNKNOWN, BLOCKED).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crpt_sales')
    .addColumn('source', 'text', (col) => col.notNull().check(sql`source in ('receipt', 'notification')`))
    .addColumn('fn', 'text', (col) => col.modifyFront(sql`collate "C"`).notNull())
    .addColumn('fd', 'bigint', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('sending', 'retrying', 'delivered', 'dead')`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('duplicate', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('last_error_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('lease_owner', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('crpt_sales_pkey', ['source', 'fn', 'fd'])
    .execute();
  await db.schema
    .createIndex('crpt_sales_open_idx')
    .on('crpt_sales')
    .columns(['status', 'updated_at'])
    .where(sql.ref('status'), 'in', sql`('sending', 'retrying', 'dead')`)
    .execute();
  await db.schema
    .createTable('crpt_code_status')
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('fn', 'text', (col) => col.modifyFront(sql`collate "C"`).notNull())
    .addColumn('fd', 'bigint', (col) => col.notNull())
    .addColumn('item_index', 'integer', (col) => col.notNull())
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('check_result', 'smallint')
    .addColumn('receipt_check_result', 'smallint')
    .addColumn('stage', 'text', (col) => col.notNull().check(sql`stage in ('checked', 'delivered', 'crpt_answered')`))
    .addColumn('crpt_status', 'text')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('crpt_code_status_pkey', ['source', 'fn', 'fd', 'item_index'])
    .addForeignKeyConstraint('crpt_code_status_sale_fkey', ['source', 'fn', 'fd'], 'crpt_sales', ['source', 'fn', 'fd'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('crpt_code_status_code_idx').on('crpt_code_status').column('code').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crpt_code_status').execute();
  await db.schema.dropTable('crpt_sales').execute();
}
