// For the cross-tenant test: a webhook subscription of a tenant, with one logged delivery, and an e-receipt status row.
import { sql } from 'kysely';
import { publishWebhookEvents } from '../../../src/db/webhooks.repository.js';
import { recordDeliveryOutcome } from '../../../src/db/notify.repository.js';
import { asOperator, type ApiHarness } from '../api/api-test-helpers.js';
import type { Tenant } from '../api/tenant-fixture.js';

export interface TenantWebhook {
  webhookId: number;
  deliveryId: number;
}

export async function seedTenantWebhook(h: ApiHarness, t: Tenant): Promise<TenantWebhook> {
  const r = await h.app.inject({
    method: 'POST',
    url: `/api/v1/organizations/${t.organizationId}/webhooks`,
    headers: asOperator,
    payload: { url: 'https://hooks.tenant.example.test/hooks', events: ['document.received'] },
  });
  if (r.statusCode !== 201) throw new Error(`webhook ${r.statusCode}: ${r.body}`);
  const webhookId = r.json<{ id: number }>().id;
  await publishWebhookEvents(h.database.db, [
    { organizationId: t.organizationId, event: 'document.received', eventId: `seed:${t.fn}`, at: new Date(), data: { fn: t.fn, fd: t.receiptFds[0]! } },
  ]);
  const { rows } = await sql<{ id: number }>`select id from webhook_deliveries where subscription_id = ${webhookId}`.execute(h.database.db);
  const row = rows[0];
  if (!row) throw new Error('no seeded webhook delivery');
  await recordDeliveryOutcome(
    h.database.db,
    { fn: t.fn, fd: t.receiptFds[0]!, channel: 'email', recipient: `buyer-${t.inn}@example.test`, organizationId: t.organizationId },
    { status: 'delivered' },
  );
  return { webhookId, deliveryId: row.id };
}
