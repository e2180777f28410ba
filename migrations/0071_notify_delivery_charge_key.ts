// notify_deliveries.charge_key: the ledger key of the message a Viber send charged (src/workers/notify/receipt-sends.ts).
//
// Why: a Viber receipt waits for its delivery report over several runs of its job (in BullMQ's delayed set). The run
// that refunds an undelivered message, or sends again one the provider never got, must name the charge the sending
// run made — not rebuild it from the job's attempt number, which a failed run in between moves on (the refund would
// then give back nothing, and the message be charged twice). Null: no charge recorded with the send (e-mail, SMS, rows
// before this migration).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notify_deliveries add column charge_key text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notify_deliveries drop column if exists charge_key`.execute(db);
}
