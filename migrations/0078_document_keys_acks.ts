// The ack actually written, as two columns of `document_keys`, when it came before its document (issue 12 target 4,
// disk per receipt).
//
// Every acknowledged document had a row of its own in `document_acks` (migration 0057): a tuple header, the key again
// and a primary-key entry for 10 bytes of data — ≈ 123 bytes per document in `npm run bench:disk`. An ack report that
// comes before its document is stored (persisting lags behind the acks under load, or while PostgreSQL was away)
// still waits there, but the persist worker's insert of the document's key now takes the ack along, into these
// columns, and deletes the waiting row (src/db/document-batch.repository.ts): ≈ 16 more bytes in a row that exists
// anyway. The persist worker vacuums `document_acks` (src/db/document-acks-vacuum.ts).
//
// A report that comes after its document stays in `document_acks`, as before: the key's row is never updated — its
// page is full, and the update would leave a dead version and a second index entry until VACUUM. Readers take the ack
// from `document_keys` and, where it has none, from `document_acks` (src/db/document-acks.repository.ts).
//
// Adding null columns is a catalogue change. The CHECK is NOT VALID so that no scan runs under the lock: every row
// before it has neither column.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table document_keys
      -- when our ack was written to the register's socket (the gateway's clock, milliseconds); null: none came first
      add column acked_at timestamptz(3),
      -- 1022 in that ack: 0 accepted, 14 ФЛК failed, 11 not recognised
      add column ack_code smallint,
      add constraint document_keys_ack_check check ((acked_at is null) = (ack_code is null)) not valid
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The acks taken into document_keys go back where the previous release reads them. A row of document_acks for the
  // same document (a report run again, or a re-send's ack, that raced the persist batch) keeps the earlier ack.
  await sql`
    insert into document_acks (fn, fd, acked_at, ack_code)
    select fn::bigint, fd, acked_at, ack_code from document_keys where acked_at is not null
    on conflict (fn, fd) do update set acked_at = excluded.acked_at, ack_code = excluded.ack_code
      where excluded.acked_at < document_acks.acked_at
  `.execute(db);
  await sql`alter table document_keys drop constraint document_keys_ack_check, drop column ack_code, drop column acked_at`.execute(db);
}
