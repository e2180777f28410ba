// The derive stage (issue 12, "a lean ingest path"): shift totals, report rollups and the state registration, shift
// and archive reports set are no longer written by the persist transaction. It writes one derive_queue row per document
// it newly stores; a derive worker claims the oldest rows (`for update skip locked`), applies them and deletes them in
// ONE transaction — each stored document is derived exactly once, whatever crashes or how many derive workers run.
//
// seq: the order documents were committed in, roughly (a sequence, taken in the persist transaction); enqueued_at: when
// the persist transaction began — the oldest pending one is how far behind the derived data is ("данные на …").
// Documents stored before this migration were derived by their persist transaction: the queue starts empty.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table derive_queue (
      seq bigint generated always as identity primary key,
      fn text collate "C" not null,
      fd bigint not null,
      received_at timestamptz(3) not null,
      enqueued_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table derive_queue`.execute(db);
}
