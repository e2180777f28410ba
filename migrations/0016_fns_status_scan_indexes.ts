// Indexes for the two periodic scans of FNS outcomes, so their cost follows the outcomes recorded since the last scan,
// not every document ever forwarded.
//
// - fns_status (updated_at) where the status is final: the webhook scanner (scanFnsStatusChanges) asks every few
//   seconds for the outcomes recorded in (from, to]. Without an index on updated_at it read the whole table each time:
//   measured at 190 ms per scan after 47 000 forwarded documents in the loadtest (`--forward 1`), the costliest
//   statement of the run, and it grows with every document the OFD ever forwards.
// - fns_status (updated_at) where status = 'rejected': the `fns.rejected` notification condition, per organization every
//   evaluation. Rejections are rare, so it is small.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('fns_status_outcome_updated_at_idx')
    .on('fns_status')
    .column('updated_at')
    .where(sql.ref('status'), 'in', sql`('accepted', 'accepted_with_warnings', 'rejected', 'quarantine', 'dead')`)
    .execute();
  await db.schema
    .createIndex('fns_status_rejected_updated_at_idx')
    .on('fns_status')
    .column('updated_at')
    .where(sql.ref('status'), '=', 'rejected')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('fns_status_rejected_updated_at_idx').execute();
  await db.schema.dropIndex('fns_status_outcome_updated_at_idx').execute();
}
