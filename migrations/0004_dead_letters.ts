// Jobs that kept failing after their retries, parked where ops can see and replay them (architecture §2.8).
// One row per (queue, job id): a replayed job that fails again updates its row (attempts, last_failed_at, replayed_at
// back to NULL); its history is in the logs and, for documents, in document_events.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dead_letters')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('queue', 'text', (col) => col.notNull())
    .addColumn('job_id', 'text', (col) => col.notNull())
    .addColumn('job_name', 'text')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('error_code', 'text', (col) => col.notNull())
    .addColumn('error_message', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('first_failed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_failed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('replayed_at', 'timestamptz')
    .addColumn('replay_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addUniqueConstraint('dead_letters_queue_job_id_key', ['queue', 'job_id'])
    .addCheckConstraint('dead_letters_failed_order_check', sql`first_failed_at <= last_failed_at`)
    .execute();
  // What ops look at: the parked letters per queue, newest failures first.
  await db.schema
    .createIndex('dead_letters_parked_idx')
    .on('dead_letters')
    .columns(['queue', 'last_failed_at'])
    .where(sql.ref('replayed_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dead_letters').execute();
}
