// The FNS's answer is told by its fns_status row alone (issue 12 target 4, disk per receipt): the fns worker stops
// writing a 'fns_answered' document event per document (≈ 250 bytes with its primary-key entry: measured by
// `npm run bench:disk`), which repeated what fns_status holds — status, errors, answered_at — except whether the FNS
// called the document a duplicate. That flag becomes fns_status.duplicate; readers compose the event from the row
// (src/db/api-documents.repository.ts), as they compose 'received' and 'persisted' from the documents row (0053).
// 'fns_dead' events stay written (they carry the failure the row's last_error also keeps, but are rare).
//
// Existing rows: their written 'fns_answered' events stay and are shown as before; duplicate is null on their status
// rows (a reader shows the written event, not a composed one, when one exists).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table fns_status add column duplicate boolean`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table fns_status drop column duplicate`.execute(db);
}
