// organizations.name_reported_at: the time (1012, the register's local time) of the registration report the
// organization's name was last taken from, so a report arriving late — a register sending its backlog after days
// offline, a first registration after a re-registration of another register — does not rename the organization back.
// Null: the name was never taken from a report (typed in the cabinet, or none yet); the first report sets it.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations add column name_reported_at timestamp`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations drop column if exists name_reported_at`.execute(db);
}
