// Indexes for the two periodic scans over newly persisted documents, so their cost follows what is new, not what is stored.
//
// - documents (user_inn, persisted_at): the webhook scanner (src/db/webhooks.repository.ts) asks, every few seconds,
//   for the documents of the SUBSCRIBED organizations persisted in (from, to]. Without it, the only bound it could use
//   was received_at within 6 hours (outage recovery), and every scan read every document of those 6 hours of every
//   organization: measured in the loadtest at 15 ms per empty scan after 85 000 documents, i.e. seconds per scan at a
//   steady 1 000 documents/s. With it, each subscribed organization's new documents are one index range.
// - documents (persisted_at) where flk_status = 'failed': the `flk.failed` notification condition, per organization
//   every evaluation. Failures are rare, so the partial index is small and costs nothing for a document that passed.
//
// Each is created on the partitioned parent, which builds it on every partition and gives it to partitions created
// later. Building takes a SHARE lock on documents (inserts wait) for as long as it reads the stored rows: on a large
// installation, build each partition's index CONCURRENTLY beforehand and this migration only attaches them.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('documents_user_inn_persisted_at_idx').on('documents').columns(['user_inn', 'persisted_at']).execute();
  await db.schema
    .createIndex('documents_flk_failed_persisted_at_idx')
    .on('documents')
    .column('persisted_at')
    .where(sql.ref('flk_status'), '=', 'failed')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('documents_flk_failed_persisted_at_idx').execute();
  await db.schema.dropIndex('documents_user_inn_persisted_at_idx').execute();
}
