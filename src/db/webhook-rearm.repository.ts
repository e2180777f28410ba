/**
 * A webhook delivery made due again (src/db/webhooks.repository.ts has the outbox): what replaying its dead letter
 * through the notify queue does (src/workers/notify/receipts.processor.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** Makes a delivery due again with a fresh set of attempts (a dead letter replayed through the notify queue). */
export async function rearmWebhookDelivery(db: Kysely<Database>, deliveryId: number): Promise<boolean> {
  const r = await sql`
    update webhook_deliveries set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, replays = replays + 1, updated_at = now()
     where id = ${deliveryId} and status <> 'delivered'
  `.execute(db);
  return (r.numAffectedRows ?? 0n) > 0n;
}
