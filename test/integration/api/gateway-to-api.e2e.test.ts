// End to end through the real gateway: start() from src/main.ts (roles gateway, worker, api; ports 0), signed documents
// of two customers over TCP (test/support/kkt.ts), then read back over HTTP as a customer with an API key and as the
// operator, and as the customer, try the other customer's documents.
//
// The API is served by the process start() runs once main.ts passes the database to buildApp; until then (main.ts
// mounts only the ops endpoints) a second app on the same database serves it, so this test holds either way.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { buildApp } from '../../../src/api/app.js';
import { loadConfig } from '../../../src/config.js';
import { createDb, type DbHandle } from '../../../src/db/database.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { start, type Running } from '../../../src/main.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { exchange, signedMessage } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { ADMIN_TOKEN, receipt } from './api-test-helpers.js';

const A = { inn: withInnCheckDigits('770300001'), fn: '9999078900300001', regId: '0000000030000001' };
const B = { inn: withInnCheckDigits('770300002'), fn: '9999078900300002', regId: '0000000030000002' };
const N = 6;

let running: Running;
let database: TestDatabase;
let prefix: string;
let apiDb: DbHandle | undefined;
let apiApp: ReturnType<typeof buildApp> | undefined;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('e2e-api');
  const config = loadConfig({
    OFD_ROLES: 'gateway,worker,api',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: '0',
    OFD_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  running = await start(config, silentLogger());
  base = `http://127.0.0.1:${running.httpPort}`;
  const probe = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (probe.status === 404) {
    apiDb = createDb(database.url, { maxConnections: 4 });
    apiApp = buildApp({ metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger(), readiness: [], db: apiDb.db, adminToken: ADMIN_TOKEN });
    await apiApp.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(apiApp.server.address() as { port: number }).port}`;
  }
});

afterAll(async () => {
  await apiApp?.close();
  await apiDb?.close();
  await running?.close();
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

async function http<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as T };
}

it('stores what registers send and serves it back to its owner only', async () => {
  const messages = [A, B].flatMap((t) =>
    Array.from({ length: N }, (_, i) => ({
      t,
      fd: i + 1,
      bytes: signedMessage({ fn: t.fn, fd: i + 1, children: receipt({ fn: t.fn, fd: i + 1, inn: t.inn, regId: t.regId, price: 1000 * (i + 1) }) }),
    })),
  );
  const replies = await Promise.all(messages.map((m) => exchange(running.gatewayPort!, m.bytes)));
  for (const [i, r] of replies.entries()) expect(parseAck(decodeContainer(r.reply.subarray(30))).fiscalDocumentNumber).toBe(messages[i]!.fd);

  // The persist worker stores them asynchronously: wait until the operator sees all.
  let total = 0;
  for (let i = 0; i < 200 && total < 2 * N; i++) {
    total = (await http<{ items: unknown[] }>('GET', '/api/v1/documents?limit=100', ADMIN_TOKEN)).json.items.length;
    if (total < 2 * N) await new Promise((r) => setTimeout(r, 100));
  }
  expect(total).toBe(2 * N);

  // The operator claims A's organization (created from the documents' INN) and issues it an API key.
  const org = await http<{ id: number; inn: string }>('POST', '/api/v1/organizations', ADMIN_TOKEN, { inn: A.inn, name: 'ООО А' });
  expect(org.status).toBe(200);
  const key = await http<{ key: string }>('POST', `/api/v1/organizations/${org.json.id}/api-keys`, ADMIN_TOKEN, { name: 'e2e' });
  expect(key.status).toBe(201);

  const mine = await http<{ items: Array<{ fn: string; fd: number }> }>('GET', '/api/v1/documents?limit=100', key.json.key);
  expect(mine.status).toBe(200);
  expect(mine.json.items.map((d) => `${d.fn}/${d.fd}`).sort()).toEqual(Array.from({ length: N }, (_, i) => `${A.fn}/${i + 1}`).sort());

  const doc = await http<{ document: { receipt: Record<string, unknown> }; status: { flk: { status: string }; sign: string }; raw: { container: string } }>(
    'GET',
    `/api/v1/documents/${A.fn}/3`,
    key.json.key,
  );
  expect(doc.status).toBe(200);
  expect(doc.json.document.receipt).toMatchObject({ fiscalDriveNumber: A.fn, fiscalDocumentNumber: 3, totalSum: 3000 });
  expect(doc.json.status).toMatchObject({ sign: 'verified', flk: { status: 'passed' } });
  const sent = messages.find((m) => m.t === A && m.fd === 3)!.bytes.subarray(30);
  expect(Buffer.from(doc.json.raw.container, 'base64').equals(sent)).toBe(true);

  const theirs = await http('GET', `/api/v1/documents/${B.fn}/3`, key.json.key);
  expect(theirs.status).toBe(404);
  expect(theirs.json).toMatchObject({ code: 'NOT_FOUND' });
  const asOperator = await http<{ document: { receipt: Record<string, unknown> } }>('GET', `/api/v1/documents/${B.fn}/3`, ADMIN_TOKEN);
  expect(asOperator.status).toBe(200);
  expect(asOperator.json.document.receipt).toMatchObject({ fiscalDriveNumber: B.fn });
});
