// An fns_status row without what it does not need to store (issue 12 target 4, disk per receipt).
//
// - created_at goes: the row is written once, with the outcome, since migration 0072 (updated_at and answered_at say
//   when), and nothing reads it. Dropping a column is a catalogue change: rows already stored keep its 8 bytes until
//   they are rewritten; new rows do not store it. Code from before this migration never names it: compatible.
// - errors may be null, meaning no findings. Readers already take null as none (src/db/tables/fns-status.ts:
//   fnsErrorsOf; the webhook scan coalesces it to []). The default stays '[]' and this release still writes '[]':
//   an API or notify process of the previous release, still running while workers are upgraded, would fail on a null
//   (migrations are additive, docs/operations.md, Upgrades). The release after this one writes null for none
//   (5 bytes more a row, 16 with the alignment).
// An accepted document's row: 121 bytes, 128 aligned → 113, 120 aligned.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table fns_status drop column created_at`.execute(db);
  await sql`alter table fns_status alter column errors drop not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // ALTER … USING rewrites the rows without firing fns_status_respects_leases (0072), which an UPDATE of a 'sending'
  // row would, skipping it. created_at comes back as the earliest instant the row knows of.
  await sql`alter table fns_status alter column errors type jsonb using coalesce(errors, '[]'::jsonb)`.execute(db);
  await sql`alter table fns_status alter column errors set not null`.execute(db);
  await sql`alter table fns_status add column created_at timestamptz`.execute(db);
  await sql`alter table fns_status alter column created_at type timestamptz using coalesce(sent_at, answered_at, updated_at)`.execute(db);
  await sql`alter table fns_status alter column created_at set default now(), alter column created_at set not null`.execute(db);
}
