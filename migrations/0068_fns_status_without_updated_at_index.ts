// fns_status loses its plain (updated_at) index (issue 12, disk per receipt: ≈ 17 bytes per document in
// `npm run bench:disk`, where a batch's rows share one updated_at and deduplicate; ≈ 30–40 with distinct times).
//
// Why: migration 0010 made it for the webhook scan of FNS outcomes; migration 0016 gave that scan (and the
// `fns.rejected` notification condition) partial indexes of their own, on updated_at where the status is final
// (fns_status_outcome_updated_at_idx) or 'rejected'. No query reads fns_status by updated_at without one of those
// statuses (EXPLAIN of scanFnsStatusChanges: a range of the outcome index), so the plain index was only written —
// on every insert and every status change, a whole entry each time.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists fns_status_updated_at_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists fns_status_updated_at_idx on fns_status (updated_at)`.execute(db);
}
