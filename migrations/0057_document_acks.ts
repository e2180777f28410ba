// Acknowledgements actually written (issue 13 item 4): one row per (fn, fd) whose signed ack the gateway handed to the
// register's socket (the write callback succeeded). The gateway buffers these reports and sends them in batches through
// the `acks` queue; the acks worker inserts them here. A table of its own, not columns of `documents`:
// - no ordering with persisting: a report may arrive before the document's row exists (it usually does — the ack goes
//   out as soon as the document is durable in Redis, the row follows);
// - no UPDATE of the hot, partitioned documents table (a second tuple version per document and index churn).
// A document with no row here was never acknowledged as far as we know: its connection died before the ack was written,
// or the report was lost with its gateway process (the document itself is never lost by that: it is durable before any
// ack is attempted).
//
// Size per acknowledged document: heap = tuple header 24 + fn 8 (bigint: 16 digits fit; text would be 17 bytes and
// padding, ≈ 24 more per row with its index entry) + fd 8 + acked_at 8 + ack_code 2 = 50 → 56 aligned, + 4 line pointer
// = 60 bytes; primary-key index = 8 + 16 + 4 = 28 bytes per entry, ≈ 40 with the page splits of keys arriving in time
// order across many drives. Measured: 100.7 bytes per row for 200 000 rows of 2 000 FNs (60.3 heap + 40.3 index). fn is bigint: select it
// as fn::text (the int8 parser refuses 16-digit values rather than round them); join it as documents.fn::bigint.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table document_acks (
      fn bigint not null check (fn between 0 and 9999999999999999),
      fd bigint not null check (fd between 1 and 4294967295),
      -- when the ack was written to the register's socket (the gateway's clock, milliseconds)
      acked_at timestamptz(3) not null,
      -- 1022 in the ack: 0 accepted, 14 ФЛК failed, 11 not recognised
      ack_code smallint not null,
      primary key (fn, fd)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists document_acks`.execute(db);
}
