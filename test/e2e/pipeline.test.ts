// The whole process as `npm start` runs it: TCP in → ack → Redis → persist worker → PostgreSQL, plus /metrics.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseAck } from '../../protocol/ack.js';
import { decodeContainer } from '../../protocol/container.js';
import { loadConfig } from '../../src/config.js';
import { findDocumentView } from '../../src/db/document-view.repository.js';
import { unpackRawContainer } from '../../src/db/raw-container.js';
import { loadRawContexts } from '../../src/db/raw-contexts.js';
import { start, type Running } from '../../src/main.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startFakeFns, type FakeFns } from '../../src/adapters/fns/fake-fns-server.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, receiptChildren, signedMessage } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const FN = '9999078900000555';
const N = 40;
let running: Running;
let database: TestDatabase;
let prefix: string;
let fns: FakeFns;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('e2e');
  fns = await startFakeFns();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: '0',
    FNS_URL: fns.url,
  });
  running = await start(config, silentLogger());
});

afterAll(async () => {
  await running?.close();
  await fns?.close();
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

it('acknowledges documents over TCP, stores each once with its bytes, forwards each to the FNS once, serves /metrics', async () => {
  const messages = Array.from({ length: N }, (_, i) => signedMessage({ fn: FN, fd: i + 1, children: receiptChildren(FN, i + 1) }));
  // Generous timeout: the first messages of a fresh process pay for JIT and connection set-up on a busy machine.
  const replies = await Promise.all(messages.map((m) => exchange(running.gatewayPort!, m, { timeoutMs: 15_000 })));
  for (const [i, r] of replies.entries()) expect(parseAck(decodeContainer(r.reply.subarray(30))).fiscalDocumentNumber).toBe(i + 1);
  // A re-send of the first five after their acks.
  await Promise.all(messages.slice(0, 5).map((m) => exchange(running.gatewayPort!, m, { timeoutMs: 15_000 })));

  let rows: Array<{ fd: number; raw_container: Buffer; raw_codec: number | null }> = [];
  for (let i = 0; i < 100 && rows.length < N; i++) {
    rows = (await database.pool.query('select fd, raw_container, raw_codec from documents where fn = $1 order by fd', [FN])).rows;
    if (rows.length < N) await new Promise((r) => setTimeout(r, 100));
  }
  expect(rows.map((r) => r.fd)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  // Packed with the drive's first receipt as context (migration 0081), which this process reads as any reader would;
  // the first receipt's own row is stored without it.
  expect(rows.map((r) => r.raw_codec)).toEqual(rows.map((r) => (r.fd === 1 ? 1 : 2)));
  await loadRawContexts(database.db, rows);
  rows.forEach((r, i) => expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(messages[i]!.subarray(30))).toBe(true));
  const items = await database.pool.query('select count(*)::int as n from receipt_items where fn = $1', [FN]);
  expect(items.rows[0].n).toBe(2 * N);

  const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/ofd_gateway_acks_total\{code="0"\} 45/);
  expect(metrics).toMatch(/ofd_documents_persisted_total\{form="3"\} 40/);
  // Forwarding: every document reaches the fake FNS exactly once, re-sends included, with the stored bytes.
  for (let i = 0; i < 100 && fns.stats().documents.received < N; i++) await new Promise((r) => setTimeout(r, 100));
  for (let fd = 1; fd <= N; fd++) {
    const got = fns.received(FN, fd);
    expect(got, `FD ${fd}`).toBeDefined();
    expect(Buffer.from(got!.submission.rawData, 'base64').equals(messages[fd - 1]!.subarray(30 + 32))).toBe(true);
  }
  expect(fns.stats().documents.received).toBe(N);
  expect(fns.stats().documents.duplicates).toBe(0);
  // The FNS answered; its answers are committed right after.
  const accepted = async () =>
    (await database.pool.query("select count(*)::int as n from fns_outcomes where fn = $1 and status = 'accepted'", [FN])).rows[0].n as number;
  for (let i = 0; i < 50 && (await accepted()) < N; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await accepted()).toBe(N);
  // `ofd show` reads the outcome through this view.
  expect((await findDocumentView(database.db, FN, 1))?.status.fns?.status).toBe('accepted');

  const ready = await fetch(`http://127.0.0.1:${running.httpPort}/health/ready`);
  expect(ready.status).toBe(200);
});
