// An fns_status row without what it does not need to store (issue 12 target 4, disk per receipt): 16 bytes a row.
//
// - created_at goes: the row is written once, with the outcome, since migration 0072 (updated_at and answered_at say
//   when), and nothing reads it. Dropping a column is a catalogue change: rows already stored keep its 8 bytes until
//   they are rewritten; new rows do not store it.
// - errors is null when the FNS named none (every accepted document), instead of '[]' (5 bytes); readers take null
//   as no errors (src/db/tables/fns-status.ts: fnsErrorsOf).
// A row of an accepted document was 121 bytes, 128 with its alignment; it is 108, 112 aligned.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table fns_status drop column created_at`.execute(db);
  await sql`alter table fns_status alter column errors drop not null, alter column errors drop default`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update fns_status set errors = '[]'::jsonb where errors is null`.execute(db);
  await sql`alter table fns_status alter column errors set default '[]'::jsonb, alter column errors set not null`.execute(db);
  await sql`alter table fns_status add column created_at timestamptz not null default now()`.execute(db);
}
