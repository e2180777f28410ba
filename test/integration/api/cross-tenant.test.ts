// Tenant isolation, route by route: customer A (its owner's session and its API key) tries every /api/v1 route with
// customer B's ids and must get 404/403, or a list without B's data. The route list comes from the app's own route
// table: a new route without a case here fails the first test.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, closeShift, job, openShift, persist, receipt, startApi, type ApiHarness } from './api-test-helpers.js';
import { seedTenant, type Tenant } from './tenant-fixture.js';
import { seedTenantWebhook, type TenantWebhook } from '../notify/tenant-webhooks.js';
import { REPORT_NAMES } from '../../../src/reports/reports.js';
import { buyBrandedReceipts } from '../../../src/billing/branded-receipts.js';
import { operatorTopUp } from '../../../src/billing/debt.js';
import { inBillingTransaction } from '../../../src/billing/transactions.js';
import { seedOnboarding, type TenantOnboarding } from './onboarding-fixture.js';
import {
  onboardingAttempts,
  ONBOARDING_NO_TENANT_DATA,
  ONBOARDING_TOKEN_ROUTES,
  ONBOARDING_USER_ONLY,
  type OnboardingAttempt,
} from './onboarding-cross-tenant.js';
import { userToken } from './api-test-helpers.js';

let h: ApiHarness;
let a: Tenant;
let b: Tenant;
let bHook: TenantWebhook;
let bOnboarding: TenantOnboarding;
const CLAIMANT = 'claimant-c@example.test';
let bExportId: number;
let bKktApplicationId: number;
let bCardPaymentId: number;
let bInvoiceId: number;
/** A short link of B's receipt (an SMS receipt's `/r/{code}`). */
const B_SHORT_CODE = 'BbBbBbBbBbBb';
/** B's banner picture (migration 0060), on B's first banner. */
const B_BANNER_IMAGE = '6f1c2d3e-4b5a-4c6d-8e7f-901234567890';
const thisMonth = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 7);

/**
 * Register squatting (issue 13, item 5): A adds a register by a registration number it does not own, before that
 * register's documents arrive; they then arrive carrying B's INN, without a registration report.
 */
const SQUAT_REG = '0000000099000002';
const SQUAT_FN = '9999078900099002';
let squatRegisterId: number;

async function squat(): Promise<number> {
  const claimed = await h.app.inject({
    method: 'POST',
    url: '/api/v1/registers',
    headers: bearer(a.userToken),
    payload: { organizationId: a.organizationId, registrationNumber: SQUAT_REG },
  });
  if (claimed.statusCode !== 201) throw new Error(`claim ${claimed.statusCode}: ${claimed.body}`);
  const shift = { fn: SQUAT_FN, inn: b.inn, regId: SQUAT_REG, shift: 7, receipts: 1 };
  await persist(h.database, [
    job(SQUAT_FN, 1, 2, openShift({ ...shift, fd: 1 })),
    job(SQUAT_FN, 2, 3, receipt({ fn: SQUAT_FN, fd: 2, inn: b.inn, regId: SQUAT_REG, shift: 7, itemName: 'Squatted bread' })),
    job(SQUAT_FN, 3, 5, closeShift({ ...shift, fd: 3 })),
  ]);
  return claimed.json<{ id: number }>().id;
}

beforeAll(async () => {
  h = await startApi();
  a = await seedTenant(h, 1, { email: 'owner-a@example.test' });
  b = await seedTenant(h, 2, { email: 'owner-b@example.test' });
  bHook = await seedTenantWebhook(h, b);
  const draft = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${b.organizationId}/kkt-applications`, headers: bearer(ADMIN_TOKEN), payload: kktApplication('00106700000002') });
  if (draft.statusCode !== 201) throw new Error(`seeding B's KKT application: ${draft.statusCode} ${draft.body}`);
  bKktApplicationId = draft.json<{ id: number }>().id;
  bOnboarding = await seedOnboarding(h, b, 2, (await userToken(h, CLAIMANT)).token);
  bExportId = (
    await h.database.db
      .insertInto('export_jobs')
      .values({ organization_id: b.organizationId, content: 'receipts', format: 'csv', title: 'B', status: 'done', byte_size: 0 })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const { rows } = await sql<{ id: number }>`
    insert into card_payments (organization_id, order_id, request_key, amount) values (${b.organizationId}, 'topup-b', 'org-b-key', 10000) returning id
  `.execute(h.database.db);
  bCardPaymentId = rows[0]!.id;
  const invoice = await sql<{ id: number }>`
    insert into invoices (organization_id, number, amount, request_key, issued_on) values (${b.organizationId}, 'OFD-2026-999999', 10000, 'org-b-invoice', current_date) returning id
  `.execute(h.database.db);
  bInvoiceId = invoice.rows[0]!.id;
  // A charge this month, so B has an act.
  await sql`select ledger_post_batch(${JSON.stringify([
    { key: 'b-charge', hash: 'h', reason: 'service', reference: 'x', organizationId: b.organizationId, entries: [{ organizationId: null, code: 'adjustments', amount: -100 }, { organizationId: null, code: 'revenue.services', amount: 100 }] },
  ])}::jsonb)`.execute(h.database.db);
  squatRegisterId = await squat();
  // A second register of B whose paid service ends in days: the expiry list (GET /ofd-service/ending) must withhold it.
  await sql`
    with r as (insert into registers (registration_number, organization_id) values ('0000000099000777', ${b.organizationId}) returning id)
    insert into ofd_services (register_id, service_until) select id, current_date + 5 from r
  `.execute(h.database.db);
  // B's branded e-receipt service, bought and ending in 5 days: the banner's list (GET /branded-receipts/ending) must withhold it.
  await inBillingTransaction(h.database.db, (tx) => operatorTopUp(tx, { organizationId: b.organizationId, amount: 49_000, key: 'xtenant-brand-top-up', comment: 'x' }));
  const brand = await buyBrandedReceipts(h.database.db, { organizationId: b.organizationId, productCode: 'branded-1m', requestKey: 'xtenant-brand', now: new Date() });
  await sql`update branded_receipt_periods set ends_at = now() + interval '5 days' where id = ${brand.period.id}`.execute(h.database.db);
  // B's e-receipt brand with a logo (a 1×1 PNG), and a short link to one of its receipts.
  const onePixel = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a494441547801630001000005000136d088dd0000000049454e44ae426082', 'hex');
  await sql`
    insert into receipt_brands (organization_id, primary_color, accent_color, background_color, logo, logo_content_type, logo_width, logo_height)
    values (${b.organizationId}, '#102030', '#102030', '#ffffff', ${onePixel}, 'image/png', 1, 1)
  `.execute(h.database.db);
  await sql`
    insert into receipt_brand_banner_images (id, organization_id, content_type, data, width, height)
    values (${B_BANNER_IMAGE}, ${b.organizationId}, 'image/png', ${onePixel}, 1, 1)
  `.execute(h.database.db);
  await sql`
    update receipt_brands set banners = ${JSON.stringify([{ title: '', text: '', url: 'https://b.example', alt: 'B', imageId: B_BANNER_IMAGE }])}::jsonb
     where organization_id = ${b.organizationId}
  `.execute(h.database.db);
  await sql`
    insert into short_links (code, organization_id, fn, fd, target, expires_at)
    values (${B_SHORT_CODE}, ${b.organizationId}, ${b.fn}, ${b.receiptFds[0]!}, '/check?x', now() + interval '1 day')
  `.execute(h.database.db);
});
afterAll(() => h.close());

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Attempt {
  method: Method;
  url: string;
  payload?: Record<string, unknown>;
  /** denied: 404 or 403; empty: 200 with no items; noLeak: 200 without B's identifiers (A may match too); custom: `check`. */
  expect: 'denied' | 'empty' | 'noLeak' | 'custom';
  check?: OnboardingAttempt['check'];
}

/** Routes that hold no tenant data: public auth steps, and /me (only ever about the caller). */
const NO_TENANT_DATA = new Set([
  'POST /api/v1/auth/signup',
  'POST /api/v1/auth/confirm/resend',
  'GET /api/v1/auth/confirm',
  'POST /api/v1/auth/confirm',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/password-reset',
  'POST /api/v1/auth/password-reset/confirm',
  'GET /api/v1/me',
  // The list of known KKT / FN models: reference data.
  'GET /api/v1/kkt-models',
  'POST /api/v1/auth/session',
  'GET /api/v1/auth/session',
  'DELETE /api/v1/auth/session',
  'POST /api/v1/me/password',
  ...ONBOARDING_NO_TENANT_DATA,
  // Billing catalogues (the same for everyone), and the payment provider's callback (signed, names no caller's data).
  'GET /api/v1/tariffs',
  'GET /api/v1/market/products',
  'GET /api/v1/market/message-prices',
  'GET /api/v1/market/branded-receipts',
  'POST /api/v1/billing/card-webhook',
  // Sign-in with an electronic signature (public, like the password sign-in), and the caller's own certificates.
  'POST /api/v1/auth/signature/challenge',
  'POST /api/v1/auth/signature/session',
  'GET /api/v1/me/signature-identities',
  'POST /api/v1/me/signature-identities',
]);

/** A KKT registration application's body (issue 18), valid for any organization. */
const kktApplication = (serial: string) => ({
  kind: 'registration',
  kkt: { model: 'АТОЛ 30Ф', serialNumber: serial },
  fn: { model: 'ФН-1.2', serialNumber: '9999078900077001' },
  place: { taxAuthorityCode: '7704', retailPlaceAddress: '119021, г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин', regionCode: '77' },
  modes: { internetSign: false },
  signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
});

function attempts(): Record<string, Attempt[]> {
  const org = `/api/v1/organizations/${b.organizationId}`;
  return {
    // KKT registration applications (issue 18): B's organization or application is a 404 / 403.
    'GET /api/v1/organizations/:id/kkt-applications': [{ method: 'GET', url: `${org}/kkt-applications`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/kkt-applications/prefill': [{ method: 'GET', url: `${org}/kkt-applications/prefill?kktRegId=${b.regId}`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/kkt-applications': [{ method: 'POST', url: `${org}/kkt-applications`, payload: kktApplication('00106700000003'), expect: 'denied' }],
    'GET /api/v1/kkt-applications/:id': [{ method: 'GET', url: `/api/v1/kkt-applications/${bKktApplicationId}`, expect: 'denied' }],
    'GET /api/v1/kkt-applications/:id/documents/:name': [{ method: 'GET', url: `/api/v1/kkt-applications/${bKktApplicationId}/documents/application.xml`, expect: 'denied' }],
    'POST /api/v1/kkt-applications/:id/signature': [
      { method: 'POST', url: `/api/v1/kkt-applications/${bKktApplicationId}/signature`, payload: { signature: Buffer.from('not a signature').toString('base64') }, expect: 'denied' },
    ],
    'POST /api/v1/organizations': [{ method: 'POST', url: '/api/v1/organizations', payload: { inn: b.inn }, expect: 'denied' }],
    'GET /api/v1/organizations': [{ method: 'GET', url: `/api/v1/organizations?inn=${b.inn}`, expect: 'empty' }],
    'GET /api/v1/organizations/:id': [{ method: 'GET', url: org, expect: 'denied' }],
    'PATCH /api/v1/organizations/:id': [{ method: 'PATCH', url: org, payload: { name: 'pwned' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/members': [{ method: 'GET', url: `${org}/members`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/members': [{ method: 'POST', url: `${org}/members`, payload: { email: 'owner-a@example.test', role: 'owner' }, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/members/:userId': [
      { method: 'DELETE', url: `${org}/members/${b.userId}`, expect: 'denied' },
      { method: 'DELETE', url: `/api/v1/organizations/${a.organizationId}/members/${b.userId}`, expect: 'denied' },
    ],
    'POST /api/v1/organizations/:id/api-keys': [{ method: 'POST', url: `${org}/api-keys`, payload: { name: 'x' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/api-keys': [{ method: 'GET', url: `${org}/api-keys`, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/api-keys/:keyId': [
      { method: 'DELETE', url: `${org}/api-keys/${b.apiKeyId}`, expect: 'denied' },
      { method: 'DELETE', url: `/api/v1/organizations/${a.organizationId}/api-keys/${b.apiKeyId}`, expect: 'denied' },
    ],
    'GET /api/v1/outlets': [{ method: 'GET', url: `/api/v1/outlets?organizationId=${b.organizationId}`, expect: 'empty' }],
    'POST /api/v1/outlets': [{ method: 'POST', url: '/api/v1/outlets', payload: { organizationId: b.organizationId, address: 'x' }, expect: 'denied' }],
    'GET /api/v1/outlets/:id': [{ method: 'GET', url: `/api/v1/outlets/${b.outletId}`, expect: 'denied' }],
    'GET /api/v1/registers': [
      { method: 'GET', url: `/api/v1/registers?organizationId=${b.organizationId}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/registers?outletId=${b.outletId}`, expect: 'empty' },
    ],
    'POST /api/v1/registers': [
      { method: 'POST', url: '/api/v1/registers', payload: { organizationId: b.organizationId, registrationNumber: '0000000055000001' }, expect: 'denied' },
      {
        method: 'POST',
        url: '/api/v1/registers',
        payload: { organizationId: a.organizationId, registrationNumber: '0000000055000002', outletId: b.outletId },
        expect: 'denied',
      },
    ],
    'GET /api/v1/registers/:id': [{ method: 'GET', url: `/api/v1/registers/${b.registerId}`, expect: 'denied' }],
    // The operator's list of registers claimed by one organization while their documents carry another's INN.
    'GET /api/v1/registers/conflicts': [{ method: 'GET', url: '/api/v1/registers/conflicts', expect: 'denied' }],
    'PATCH /api/v1/registers/:id': [
      { method: 'PATCH', url: `/api/v1/registers/${b.registerId}`, payload: { outletId: null }, expect: 'denied' },
      { method: 'PATCH', url: `/api/v1/registers/${a.registerId}`, payload: { outletId: b.outletId }, expect: 'denied' },
    ],
    'GET /api/v1/fiscal-drives': [
      { method: 'GET', url: `/api/v1/fiscal-drives?organizationId=${b.organizationId}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/fiscal-drives?registerId=${b.registerId}`, expect: 'empty' },
    ],
    'GET /api/v1/fiscal-drives/:fn': [{ method: 'GET', url: `/api/v1/fiscal-drives/${b.fn}`, expect: 'denied' }],
    'GET /api/v1/documents': [
      { method: 'GET', url: `/api/v1/documents?organizationId=${b.organizationId}`, expect: 'denied' },
      { method: 'GET', url: `/api/v1/documents?fn=${b.fn}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/documents?registerId=${b.registerId}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/documents?fiscalSign=${b.fiscalSign}`, expect: 'empty' },
    ],
    'GET /api/v1/documents/:fn/:fd': b.receiptFds.map((fd) => ({ method: 'GET' as const, url: `/api/v1/documents/${b.fn}/${fd}`, expect: 'denied' as const })),
    'GET /api/v1/documents/:fn/:fd/print': [{ method: 'GET', url: `/api/v1/documents/${b.fn}/${b.receiptFds[0]!}/print`, expect: 'denied' }],
    // Public, but only with the receipt's own fiscal sign (proof of holding the receipt): a guess is a 404.
    'GET /api/v1/public/check': [{ method: 'GET', url: `/api/v1/public/check?t=20240917T1801&s=100.00&fn=${b.fn}&i=2&fp=${(b.fiscalSign + 1) % 2 ** 32}&n=1`, expect: 'denied' }],
    'PATCH /api/v1/outlets/:id': [{ method: 'PATCH', url: `/api/v1/outlets/${b.outletId}`, payload: { place: 'pwned' }, expect: 'denied' }],
    // The fixture sells no marked goods, so only the organization filter is tried here; the browser journeys
    // (test/e2e/cabinet.e2e.test.ts) check that a member sees its own codes and never the other customer's.
    'GET /api/v1/marking-codes': [{ method: 'GET', url: `/api/v1/marking-codes?organizationId=${b.organizationId}`, expect: 'denied' }],
    'GET /api/v1/search': [
      ...[b.inn, b.fn, b.regId, String(b.fiscalSign)].map((q) => ({ method: 'GET' as const, url: `/api/v1/search?q=${q}`, expect: 'empty' as const })),
      // Both customers sold cheese: A finds its own receipt, never B's.
      { method: 'GET', url: '/api/v1/search?q=Cheese', expect: 'noLeak' },
    ],
    'GET /api/v1/shifts': [
      { method: 'GET', url: `/api/v1/shifts?organizationId=${b.organizationId}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/shifts?fn=${b.fn}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/shifts?registerId=${b.registerId}`, expect: 'empty' },
    ],
    'GET /api/v1/shifts/:fn/:shiftNumber': [{ method: 'GET', url: `/api/v1/shifts/${b.fn}/${b.shiftNumber}`, expect: 'denied' }],
    'GET /api/v1/shifts/:fn/:shiftNumber/z-report': [{ method: 'GET', url: `/api/v1/shifts/${b.fn}/${b.shiftNumber}/z-report`, expect: 'denied' }],
    // E-receipts and SMS packages (notify): B's document and organization are 404s; topping up is the operator's.
    'GET /api/v1/documents/:fn/:fd/deliveries': [{ method: 'GET', url: `/api/v1/documents/${b.fn}/${b.receiptFds[0]!}/deliveries`, expect: 'denied' }],
    'POST /api/v1/documents/:fn/:fd/deliveries': [
      { method: 'POST', url: `/api/v1/documents/${b.fn}/${b.receiptFds[0]!}/deliveries`, payload: { recipient: 'x@example.test' }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/sms-balance': [{ method: 'GET', url: `/api/v1/organizations/${b.organizationId}/sms-balance`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/sms-balance/top-ups': [
      { method: 'POST', url: `/api/v1/organizations/${b.organizationId}/sms-balance/top-ups`, payload: { amount: 100 }, expect: 'denied' },
      { method: 'POST', url: `/api/v1/organizations/${a.organizationId}/sms-balance/top-ups`, payload: { amount: 100 }, expect: 'denied' },
    ],
    // Webhooks: B's organization, or B's subscription under A's organization, are 404s.
    'GET /api/v1/organizations/:id/webhooks': [{ method: 'GET', url: `/api/v1/organizations/${b.organizationId}/webhooks`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/webhooks': [
      { method: 'POST', url: `/api/v1/organizations/${b.organizationId}/webhooks`, payload: { url: 'http://127.0.0.1:9/x', events: ['document.received'] }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/webhooks/:webhookId': [
      { method: 'GET', url: `/api/v1/organizations/${b.organizationId}/webhooks/${bHook.webhookId}`, expect: 'denied' },
    ],
    'PATCH /api/v1/organizations/:id/webhooks/:webhookId': [
      { method: 'PATCH', url: `/api/v1/organizations/${b.organizationId}/webhooks/${bHook.webhookId}`, payload: { active: false }, expect: 'denied' },
      { method: 'PATCH', url: `/api/v1/organizations/${a.organizationId}/webhooks/${bHook.webhookId}`, payload: { active: false }, expect: 'denied' },
    ],
    'DELETE /api/v1/organizations/:id/webhooks/:webhookId': [
      { method: 'DELETE', url: `/api/v1/organizations/${b.organizationId}/webhooks/${bHook.webhookId}`, expect: 'denied' },
      { method: 'DELETE', url: `/api/v1/organizations/${a.organizationId}/webhooks/${bHook.webhookId}`, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/webhooks/:webhookId/deliveries': [
      { method: 'GET', url: `/api/v1/organizations/${b.organizationId}/webhooks/${bHook.webhookId}/deliveries`, expect: 'denied' },
    ],
    'POST /api/v1/organizations/:id/webhooks/:webhookId/deliveries/:deliveryId/replay': [
      { method: 'POST', url: `/api/v1/organizations/${b.organizationId}/webhooks/${bHook.webhookId}/deliveries/${bHook.deliveryId}/replay`, expect: 'denied' },
      { method: 'POST', url: `/api/v1/organizations/${a.organizationId}/webhooks/${bHook.webhookId}/deliveries/${bHook.deliveryId}/replay`, expect: 'denied' },
    ],
    // Notification rules and log (issue 7): B's organization is a 404, for reading as for writing.
    'GET /api/v1/organizations/:id/notification-rules': [{ method: 'GET', url: `${org}/notification-rules`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/notification-rules': [
      { method: 'PUT', url: `${org}/notification-rules`, payload: { disabledKinds: ['register.silent'], silentAfterHours: 1 }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/notifications': [
      { method: 'GET', url: `${org}/notifications`, expect: 'denied' },
      { method: 'GET', url: `${org}/notifications?kind=register.silent`, expect: 'denied' },
    ],
    // The OFD service end is the operator's to set: B's register is a 404 (and A's own a 403, in notifications.test.ts).
    'PUT /api/v1/registers/:id/ofd-service': [{ method: 'PUT', url: `/api/v1/registers/${b.registerId}/ofd-service`, payload: { until: '2030-12-31' }, expect: 'denied' }],
    // Billing (issue 17): B's organization, register or payment is a 404; the catalogue and refunds are the operator's.
    'GET /api/v1/organizations/:id/balance': [{ method: 'GET', url: `${org}/balance`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/account-history': [
      { method: 'GET', url: `${org}/account-history`, expect: 'denied' },
      { method: 'GET', url: `${org}/account-history?format=xlsx`, expect: 'denied' },
    ],
    'POST /api/v1/organizations/:id/operator-top-ups': [
      { method: 'POST', url: `${org}/operator-top-ups`, payload: { amount: 100, idempotencyKey: 'xtenant-0001', comment: 'x' }, expect: 'denied' },
      { method: 'POST', url: `/api/v1/organizations/${a.organizationId}/operator-top-ups`, payload: { amount: 100, idempotencyKey: 'xtenant-0001', comment: 'x' }, expect: 'denied' },
    ],
    'POST /api/v1/organizations/:id/card-top-ups': [{ method: 'POST', url: `${org}/card-top-ups`, payload: { amount: 10000, idempotencyKey: 'xtenant-0002' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/card-top-ups/:paymentId': [{ method: 'GET', url: `${org}/card-top-ups/${bCardPaymentId}`, expect: 'denied' }],
    'POST /api/v1/card-payments/:paymentId/refunds': [{ method: 'POST', url: `/api/v1/card-payments/${bCardPaymentId}/refunds`, payload: { amount: 1, idempotencyKey: 'xtenant-0003' }, expect: 'denied' }],
    'POST /api/v1/tariffs': [{ method: 'POST', url: '/api/v1/tariffs', payload: { code: 'x', name: 'x', months: 1, price: 1 }, expect: 'denied' }],
    'PUT /api/v1/tariffs/:id': [{ method: 'PUT', url: '/api/v1/tariffs/1', payload: { name: 'x', price: 1 }, expect: 'denied' }],
    'GET /api/v1/registers/:id/service-periods': [{ method: 'GET', url: `/api/v1/registers/${b.registerId}/service-periods`, expect: 'denied' }],
    'POST /api/v1/registers/:id/service-payments': [
      { method: 'POST', url: `/api/v1/registers/${b.registerId}/service-payments`, payload: { tariffId: 1, idempotencyKey: 'xtenant-0004' }, expect: 'denied' },
    ],
    'POST /api/v1/registers/:id/activation': [{ method: 'POST', url: `/api/v1/registers/${b.registerId}/activation`, payload: { code: 'OFD-AAAAA-BBBBB' }, expect: 'denied' }],
    'POST /api/v1/organizations/:id/market/purchases': [
      { method: 'POST', url: `${org}/market/purchases`, payload: { product: 'sms-100', idempotencyKey: 'xtenant-0005' }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/activation-codes': [{ method: 'GET', url: `${org}/activation-codes`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/branded-receipts': [{ method: 'GET', url: `${org}/branded-receipts`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/branded-receipts/purchases': [
      { method: 'POST', url: `${org}/branded-receipts/purchases`, payload: { product: 'branded-1m', idempotencyKey: 'xtenant-0105' }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/sms-postpaid': [{ method: 'GET', url: `${org}/sms-postpaid`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/sms-postpaid': [{ method: 'PUT', url: `${org}/sms-postpaid`, payload: { enabled: true }, expect: 'denied' }],
    'POST /api/v1/organizations/:id/invoices': [{ method: 'POST', url: `${org}/invoices`, payload: { amount: 10000, idempotencyKey: 'xtenant-0006' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/invoices/:invoiceId/pdf': [{ method: 'GET', url: `${org}/invoices/${bInvoiceId}/pdf`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/acts/:month/pdf': [{ method: 'GET', url: `${org}/acts/${thisMonth}/pdf`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/billing-documents': [{ method: 'GET', url: `${org}/billing-documents`, expect: 'denied' }],
    'POST /api/v1/billing/bank-statements': [{ method: 'POST', url: '/api/v1/billing/bank-statements?format=csv', payload: { x: 1 }, expect: 'denied' }],
    'GET /api/v1/billing/bank-statements/unmatched': [{ method: 'GET', url: '/api/v1/billing/bank-statements/unmatched', expect: 'denied' }],
    // The operator's lookup across tenants: a customer is refused it, even for B's INN or name.
    'GET /api/v1/operator/organizations': [{ method: 'GET', url: `/api/v1/operator/organizations?q=${b.inn}`, expect: 'denied' }],
    // A has no register whose service ends: anything listed would be B's.
    'GET /api/v1/ofd-service/ending': [
      { method: 'GET', url: '/api/v1/ofd-service/ending?withinDays=366', expect: 'empty' },
      { method: 'GET', url: `/api/v1/ofd-service/ending?organizationId=${b.organizationId}`, expect: 'empty' },
    ],
    // A has not bought the branded service: anything listed would be B's.
    'GET /api/v1/branded-receipts/ending': [
      { method: 'GET', url: '/api/v1/branded-receipts/ending', expect: 'empty' },
      { method: 'GET', url: `/api/v1/branded-receipts/ending?organizationId=${b.organizationId}`, expect: 'empty' },
    ],
    'GET /api/v1/organizations/:id/receipt-settings': [{ method: 'GET', url: `${org}/receipt-settings`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/receipt-settings': [{ method: 'PUT', url: `${org}/receipt-settings`, payload: { phoneChannel: 'viber' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/receipt-brand': [{ method: 'GET', url: `${org}/receipt-brand`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/receipt-brand': [
      { method: 'PUT', url: `${org}/receipt-brand`, payload: { primaryColor: '#000000', accentColor: '#000000', backgroundColor: '#ffffff' }, expect: 'denied' },
      // A saving its own brand with B's banner picture: unknown to A (an API key may not change a brand at all).
      {
        method: 'PUT',
        url: `/api/v1/organizations/${a.organizationId}/receipt-brand`,
        payload: { primaryColor: '#000000', accentColor: '#000000', backgroundColor: '#ffffff', banners: [{ url: 'https://a.example', imageId: B_BANNER_IMAGE }] },
        expect: 'custom',
        check: (r, caller, leaked) =>
          !leaked && (caller === 'apiKey' ? r.statusCode === 403 : r.statusCode === 400 && r.json<{ details: Array<{ issue: string }> }>().details[0]?.issue === 'unknown_image'),
      },
    ],
    'DELETE /api/v1/organizations/:id/receipt-brand': [{ method: 'DELETE', url: `${org}/receipt-brand`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/receipt-brand/logo': [{ method: 'GET', url: `${org}/receipt-brand/logo`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/receipt-brand/logo': [{ method: 'PUT', url: `${org}/receipt-brand/logo`, payload: { logo: 'x' }, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/receipt-brand/logo': [{ method: 'DELETE', url: `${org}/receipt-brand/logo`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/receipt-brand/preview': [
      { method: 'POST', url: `${org}/receipt-brand/preview`, payload: {}, expect: 'denied' },
      // A's own preview naming B's banner picture: no such picture for A.
      {
        method: 'POST',
        url: `/api/v1/organizations/${a.organizationId}/receipt-brand/preview`,
        payload: { brand: { primaryColor: '#000000', accentColor: '#000000', backgroundColor: '#ffffff', banners: [{ url: 'https://a.example', imageId: B_BANNER_IMAGE }] } },
        expect: 'custom',
        check: (r, _caller, leaked) => r.statusCode === 400 && r.json<{ details: Array<{ issue: string }> }>().details[0]?.issue === 'unknown_image' && !leaked,
      },
    ],
    'POST /api/v1/organizations/:id/receipt-brand/banner-images': [{ method: 'POST', url: `${org}/receipt-brand/banner-images`, payload: { image: 'x' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/receipt-brand/banner-images/:imageId': [{ method: 'GET', url: `${org}/receipt-brand/banner-images/${B_BANNER_IMAGE}`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/receipt-brand/banners/:index/image': [{ method: 'PUT', url: `${org}/receipt-brand/banners/0/image`, payload: { image: 'x' }, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/receipt-brand/banners/:index/image': [{ method: 'DELETE', url: `${org}/receipt-brand/banners/0/image`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/short-links': [{ method: 'GET', url: `${org}/short-links`, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/short-links/:code': [
      { method: 'DELETE', url: `${org}/short-links/${B_SHORT_CODE}`, expect: 'denied' },
      { method: 'DELETE', url: `/api/v1/organizations/${a.organizationId}/short-links/${B_SHORT_CODE}`, expect: 'denied' },
    ],
    // Reports: naming B's organization, outlet or register is a 404; without filters A's scope never shows B's rows.
    'GET /api/v1/reports/:name': [
      ...REPORT_NAMES.flatMap((name) => [
        { method: 'GET' as const, url: `/api/v1/reports/${name}?organizationId=${b.organizationId}`, expect: 'denied' as const },
        { method: 'GET' as const, url: `/api/v1/reports/${name}?outletId=${b.outletId}&format=csv`, expect: 'denied' as const },
        { method: 'GET' as const, url: `/api/v1/reports/${name}?registerId=${b.registerId}&format=xlsx`, expect: 'denied' as const },
      ]),
      { method: 'GET', url: '/api/v1/reports/fn-schedule', expect: 'noLeak' },
      { method: 'GET', url: '/api/v1/reports/shifts', expect: 'noLeak' },
      { method: 'GET', url: '/api/v1/reports/z-report', expect: 'noLeak' },
    ],
    // Self-service onboarding (issue 16).
    ...onboardingAttempts(a, b, bOnboarding, CLAIMANT),
    // Exports and Выгрузки (issue 15): B's organization, export or register is a 404; A's own export never holds B's rows.
    'GET /api/v1/documents/export': [
      { method: 'GET', url: `/api/v1/documents/export?organizationId=${b.organizationId}&format=csv`, expect: 'denied' },
      { method: 'GET', url: `/api/v1/documents/export?fn=${b.fn}&format=csv`, expect: 'noLeak' },
      { method: 'GET', url: `/api/v1/documents/export?format=csv&items=true`, expect: 'noLeak' },
    ],
    'POST /api/v1/organizations/:id/exports': [{ method: 'POST', url: `${org}/exports`, payload: { format: 'csv' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/exports': [{ method: 'GET', url: `${org}/exports`, expect: 'denied' }],
    'GET /api/v1/exports/:id': [{ method: 'GET', url: `/api/v1/exports/${bExportId}`, expect: 'denied' }],
    'GET /api/v1/exports/:id/download': [{ method: 'GET', url: `/api/v1/exports/${bExportId}/download`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/export-settings': [{ method: 'GET', url: `${org}/export-settings`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/export-settings': [
      { method: 'PUT', url: `${org}/export-settings`, payload: { items: [] }, expect: 'denied' },
      {
        method: 'PUT',
        url: `/api/v1/organizations/${a.organizationId}/export-settings`,
        payload: { items: [{ schedule: 'daily', registerIds: [b.registerId], content: 'receipt_items', format: 'csv' }] },
        expect: 'denied',
      },
    ],
  };
}

function apiRouteKeys(): string[] {
  return [...new Set(h.routes.filter((r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))].sort();
}

describe('tenant isolation', () => {
  it('has a cross-tenant case for every /api/v1 route (new routes must add one)', () => {
    const covered = new Set([...Object.keys(attempts()), ...NO_TENANT_DATA]);
    const routes = apiRouteKeys();
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((c) => !routes.includes(c))).toEqual([]);
    // Only the routes declared free of tenant data, and the buyer check, are public.
    const publicRoutes = h.routes.filter((r) => r.public && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes.filter((r) => !NO_TENANT_DATA.has(r)).sort()).toEqual(['GET /api/v1/public/check', ...ONBOARDING_TOKEN_ROUTES].sort());
  });

  for (const caller of ['session', 'apiKey'] as const) {
    it(`keeps customer B's data from customer A (${caller}) on every route`, async () => {
      const token = caller === 'session' ? a.userToken : a.apiKey;
      const failures: string[] = [];
      for (const [route, list] of Object.entries(attempts())) {
        for (const t of list) {
          const r = await h.app.inject({ method: t.method, url: t.url, headers: bearer(token), ...(t.payload ? { payload: t.payload } : {}) });
          const leaked = r.body.includes(b.fn) || r.body.includes(b.inn) || r.body.includes(b.regId);
          const ok =
            t.expect === 'custom'
              ? t.check!(r, caller, leaked)
              : t.expect === 'denied'
              ? (r.statusCode === 404 || r.statusCode === 403) && !leaked
              : t.expect === 'noLeak'
                ? r.statusCode === 200 && !leaked
                : r.statusCode === 200 && r.json<{ items: unknown[] }>().items.length === 0;
          if (!ok) failures.push(`${route} ${t.method} ${t.url} → ${r.statusCode} ${r.body.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('prefills nothing for A’s own organization from B’s register', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${a.organizationId}/kkt-applications/prefill?kktRegId=${b.regId}`, headers: bearer(a.userToken) });
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain(b.fn);
  });

  it('the same GETs succeed for B itself and for the operator (the ids are real), and B’s data is unchanged', async () => {
    const failures: string[] = [];
    for (const [route, list] of Object.entries(attempts())) {
      // The buyer-check case uses a wrong fiscal sign on purpose; its positive case is in resources.test.ts.
      // So do the invitation links (a secret token: its positive case is in onboarding.test.ts).
      for (const t of list.filter((x) => x.method === 'GET' && !x.url.includes('/public/') && !x.url.startsWith('/api/v1/invitations/'))) {
        for (const token of [b.apiKey, ADMIN_TOKEN]) {
          // B's API key has no right to list API keys, members or register conflicts, nor billing scopes; the operator has.
          if (token === b.apiKey && (/members|api-keys|conflicts|balance|account-history|card-top-ups|activation-codes|sms-postpaid|invoices|acts|billing-documents|bank-statements|operator\/organizations/.test(t.url) || ONBOARDING_USER_ONLY.test(t.url))) continue;
          const r = await h.app.inject({ method: t.method, url: t.url, headers: bearer(token) });
          // A csv export (not JSON) must hold B's rows: its FN.
          const hasData = () => (String(r.headers['content-type']).includes('json') ? r.json<{ items: unknown[] }>().items.length > 0 : r.body.includes(b.fn));
          const ok = r.statusCode === 200 && (t.expect === 'denied' || t.expect === 'custom' || hasData());
          if (!ok) failures.push(`${route} ${t.url} as ${token === ADMIN_TOKEN ? 'operator' : 'B'} → ${r.statusCode} ${r.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);

    const org = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.organizationId}`, headers: bearer(b.userToken) });
    expect(org.json()).toMatchObject({ name: 'ООО Клиент 2', role: 'owner' });
    const keys = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.organizationId}/api-keys`, headers: bearer(b.userToken) });
    expect(keys.json<{ items: Array<{ revokedAt: string | null }> }>().items.every((k) => k.revokedAt === null)).toBe(true);
    const members = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.organizationId}/members`, headers: bearer(b.userToken) });
    expect(members.json<{ items: Array<{ email: string }> }>().items.map((m) => m.email)).toEqual(['owner-b@example.test']);
    const docs = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=${b.fn}`, headers: bearer(b.apiKey) });
    expect(docs.json<{ items: unknown[] }>().items).toHaveLength(5);
    const rules = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.organizationId}/notification-rules`, headers: bearer(b.apiKey) });
    expect(rules.json()).toMatchObject({ disabledKinds: [], silentAfterHours: null, updatedAt: null });
    const register = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${b.registerId}`, headers: bearer(b.apiKey) });
    expect(register.json()).toMatchObject({ ofdService: { until: null } });
  });
});

describe('register squatting (a register claimed by A whose documents carry B’s INN)', () => {
  const squatAttempts = (): Array<{ url: string; expect: 'denied' | 'empty' | 'noLeak' }> => [
    { url: `/api/v1/shifts?registerId=${squatRegisterId}`, expect: 'empty' },
    { url: `/api/v1/shifts?fn=${SQUAT_FN}`, expect: 'empty' },
    { url: `/api/v1/shifts?organizationId=${a.organizationId}`, expect: 'noLeak' },
    { url: `/api/v1/shifts/${SQUAT_FN}/7`, expect: 'denied' },
    { url: `/api/v1/shifts/${SQUAT_FN}/7/z-report`, expect: 'denied' },
    { url: `/api/v1/fiscal-drives?registerId=${squatRegisterId}`, expect: 'empty' },
    { url: `/api/v1/fiscal-drives?organizationId=${a.organizationId}`, expect: 'noLeak' },
    { url: `/api/v1/fiscal-drives/${SQUAT_FN}`, expect: 'denied' },
    { url: `/api/v1/registers/${squatRegisterId}`, expect: 'noLeak' },
    { url: `/api/v1/registers?organizationId=${a.organizationId}`, expect: 'noLeak' },
    { url: `/api/v1/documents?registerId=${squatRegisterId}`, expect: 'empty' },
    { url: `/api/v1/search?q=${SQUAT_FN}`, expect: 'empty' },
    ...['shifts', 'z-report', 'fn-schedule', 'unsent', 'outlets'].flatMap((name) => [
      { url: `/api/v1/reports/${name}?registerId=${squatRegisterId}`, expect: 'noLeak' as const },
      { url: `/api/v1/reports/${name}?registerId=${squatRegisterId}&format=csv`, expect: 'noLeak' as const },
      { url: `/api/v1/reports/${name}`, expect: 'noLeak' as const },
    ]),
  ];

  for (const caller of ['session', 'apiKey'] as const) {
    it(`shows the claimant (${caller}) none of the documents' shifts, Z-reports, fiscal drives or reports`, async () => {
      const token = caller === 'session' ? a.userToken : a.apiKey;
      const failures: string[] = [];
      for (const t of squatAttempts()) {
        const r = await h.app.inject({ method: 'GET', url: t.url, headers: bearer(token) });
        const leaked = r.body.includes(SQUAT_FN) || r.body.includes(b.inn) || r.body.includes('ООО Клиент 2');
        const ok =
          t.expect === 'denied'
            ? (r.statusCode === 404 || r.statusCode === 403) && !leaked
            : t.expect === 'noLeak'
              ? r.statusCode === 200 && !leaked
              : r.statusCode === 200 && r.json<{ items: unknown[] }>().items.length === 0;
        if (!ok) failures.push(`${t.url} → ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('marks the claim as a conflict, lists it for the operator, and gives the data to the INN’s organization', async () => {
    const own = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${squatRegisterId}`, headers: bearer(a.userToken) });
    expect(own.json()).toMatchObject({ claim: 'conflict', fiscalDrives: [] });
    const conflicts = await h.app.inject({ method: 'GET', url: '/api/v1/registers/conflicts', headers: bearer(ADMIN_TOKEN) });
    expect(conflicts.statusCode).toBe(200);
    expect(conflicts.json<{ items: unknown[] }>().items).toEqual([
      { registerId: squatRegisterId, registrationNumber: SQUAT_REG, claimedOrganizationId: a.organizationId, documentOrganizationId: b.organizationId, documentInn: b.inn },
    ]);
    const shifts = await h.app.inject({ method: 'GET', url: `/api/v1/shifts?fn=${SQUAT_FN}`, headers: bearer(b.apiKey) });
    expect(shifts.json<{ items: Array<{ fn: string }> }>().items.map((x) => x.fn)).toEqual([SQUAT_FN]);
    const drive = await h.app.inject({ method: 'GET', url: `/api/v1/fiscal-drives/${SQUAT_FN}`, headers: bearer(b.apiKey) });
    expect(drive.statusCode).toBe(200);
    const ownRegister = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${a.registerId}`, headers: bearer(a.userToken) });
    expect(ownRegister.json()).toMatchObject({ claim: 'confirmed' });
  });
});
