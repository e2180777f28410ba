// The onboarding path of issue 16 end to end, without the operator token: start() from src/main.ts (gateway, worker,
// api; ports 0) with a real SMTP listener. A customer signs up, registers the organization with the offer, creates its
// shop, invites a colleague limited to it (the e-mail read from the SMTP listener), imports two registers from xlsx; a
// register client sends the registration report of one and receipts over TCP; the prepared register turns connected,
// and the colleague sees its receipts, never the other register's.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { start, type Running } from '../../../src/main.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { XLSX_CONTENT_TYPE } from '../../../src/reports/export.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { exchange, signedMessage } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { PASSWORD, receipt, startSmtpSink, type SmtpSink } from './api-test-helpers.js';
import { organizationBody, registrationChildren, xlsxOf } from './onboarding-fixture.js';

let running: Running;
let database: TestDatabase;
let smtp: SmtpSink;
let prefix: string;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  smtp = await startSmtpSink();
  prefix = uniquePrefix('e2e-onboarding');
  const config = loadConfig({
    OFD_ROLES: 'gateway,worker,api',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: '0',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    OFD_PUBLIC_URL: 'https://cabinet.ofd.test',
    OFD_GATEWAY_PUBLIC_ADDRESS: 'gate.ofd.test:4000',
  });
  running = await start(config, silentLogger());
  base = `http://127.0.0.1:${running.httpPort}`;
});

afterAll(async () => {
  await running?.close();
  await smtp?.close();
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

async function http<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: T }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as T };
}

async function signUp(email: string): Promise<string> {
  expect((await http('POST', '/api/v1/auth/signup', undefined, { email, password: PASSWORD })).status).toBe(201);
  const mail = await smtp.next(email, 15_000);
  const token = /https:\/\/cabinet\.ofd\.test\/confirm-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!;
  expect((await http('POST', '/api/v1/auth/confirm', undefined, { token })).status).toBe(200);
  return (await http<{ token: string }>('POST', '/api/v1/auth/login', undefined, { email, password: PASSWORD })).json.token;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('sign up → organization with the offer → invite → import → registration report → connected; the colleague sees only their shop', async () => {
  const owner = await signUp('founder@shop.test');
  const offer = (await http<{ version: string }>('GET', '/api/v1/offers/current')).json;
  const body = organizationBody('770600001', { acceptOffer: offer.version });
  const inn = body.inn as string;
  const org = await http<{ id: number }>('POST', '/api/v1/organizations/register', owner, body);
  expect(org.status).toBe(201);
  const orgId = org.json.id;
  const settings = await http<{ gateway: { address: string } }>('GET', '/api/v1/connection-settings', owner);
  expect(settings.json.gateway.address).toBe('gate.ofd.test:4000');

  const north = await http<{ id: number }>('POST', '/api/v1/outlets', owner, { organizationId: orgId, address: 'Moscow, Tverskaya 1', place: 'Shop 1' });
  expect(north.status).toBe(201);
  expect((await http('POST', `/api/v1/organizations/${orgId}/invitations`, owner, { email: 'manager@shop.test', role: 'viewer', outletIds: [north.json.id] })).status).toBe(201);
  const invitation = await smtp.next('manager@shop.test', 15_000);
  const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(invitation.text ?? '')![1]!;
  const manager = await signUp('manager@shop.test');
  expect((await http('POST', '/api/v1/invitations/accept', manager, { token })).json).toEqual({ organizationId: orgId, role: 'viewer' });

  const regs = [
    { serial: '0012345678901', fn: '9999078900600001', regId: '0000000060000001', place: 'Shop 1' },
    { serial: '0012345678902', fn: '9999078900600002', regId: '0000000060000002', place: 'Shop 2' },
  ];
  const file = await xlsxOf(regs.map((r) => [r.serial, r.fn, null]));
  const imported = await http<{ rowsImported: number }>('POST', `/api/v1/organizations/${orgId}/register-imports?outletId=${north.json.id}`, owner, file, XLSX_CONTENT_TYPE);
  expect(imported).toMatchObject({ status: 201, json: { rowsImported: 2 } });

  // The register client: the first register's registration report, then a receipt from each register.
  const [first, second] = regs as [(typeof regs)[0], (typeof regs)[0]];
  const messages = [
    signedMessage({ fn: first.fn, fd: 1, form: 1, children: registrationChildren({ fn: first.fn, fd: 1, inn, regId: first.regId, serial: first.serial, place: first.place }) }),
    signedMessage({ fn: first.fn, fd: 2, children: receipt({ fn: first.fn, fd: 2, inn, regId: first.regId, place: first.place, itemName: 'Bread' }) }),
    signedMessage({ fn: second.fn, fd: 1, children: receipt({ fn: second.fn, fd: 1, inn, regId: second.regId, place: second.place, itemName: 'Cheese' }) }),
  ];
  for (const m of messages) await exchange(running.gatewayPort!, m);

  const connected = await until('the prepared register to connect', async () => {
    const list = await http<{ items: Array<{ serialNumber: string; lifecycle: string; register: { registrationNumber: string } | null }> }>('GET', `/api/v1/prepared-registers?organizationId=${orgId}`, owner);
    const p = list.json.items.find((x) => x.serialNumber === first.serial);
    return p?.lifecycle === 'connected' ? list.json.items : undefined;
  });
  expect(connected.find((x) => x.serialNumber === first.serial)!.register!.registrationNumber).toBe(first.regId);
  expect(connected.find((x) => x.serialNumber === second.serial)).toMatchObject({ lifecycle: 'added', register: null });

  const ownerDocs = await until('both receipts', async () => {
    const d = await http<{ items: Array<{ fn: string }> }>('GET', '/api/v1/documents?form=receipt', owner);
    return d.json.items.length === 2 ? d.json.items : undefined;
  });
  expect(ownerDocs.map((d) => d.fn).sort()).toEqual([first.fn, second.fn]);
  const seen = await http<{ items: Array<{ fn: string }> }>('GET', '/api/v1/documents', manager);
  expect(seen.json.items.map((d) => d.fn)).toEqual([first.fn, first.fn]);
  expect((await http('GET', `/api/v1/documents/${second.fn}/1`, manager)).status).toBe(404);
  const log = await http<{ items: Array<{ action: string }> }>('GET', `/api/v1/organizations/${orgId}/audit-log`, owner);
  expect(log.json.items.map((i) => i.action).reverse()).toEqual(['organization.created', 'offer.accepted', 'invitation.sent', 'invitation.accepted', 'registers.imported']);
}, 120_000);
