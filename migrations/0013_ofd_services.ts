// OFD service (issue 7): until when the operator serves each register under its contract (договор на обработку
// фискальных данных), set by the operator, read by the organization, shown in the fn-schedule report and the register
// detail, and watched by the `ofd.expiring` condition notification.
//
// A table of its own rather than a column on registers: registers is written by the persist path on every batch, and
// a column added and dropped by ALTER would not come back at the same position (the up → down → up test compares them).
// No row: no service end is known.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ofd_services (
      register_id bigint primary key references registers (id) on delete cascade,
      -- The last day of service, inclusive (a calendar date of the contract, not an instant).
      service_until date not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists ofd_services`.execute(db);
}
