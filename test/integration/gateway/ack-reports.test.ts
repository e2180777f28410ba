// Acks actually written (issue 13 item 4) on real TCP, Redis and PostgreSQL: gateway → `documents` → persist worker,
// and the gateway's ack reports → `acks` → acks worker → document_acks. acked_at / ack_code are set only for an ack the
// register's socket took; a register gone before its ack was written keeps both null, and its document is stored.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { listDocuments } from '../../../src/db/api-documents.repository.js';
import { findWrittenAck } from '../../../src/db/document-acks.repository.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { startAckReports, type AckReporter } from '../../../src/gateway/ack-reports.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { startAckReportsWorker, type AckReportsWorker } from '../../../src/workers/acks/acks.worker.js';
import { startPersistWorker, type PersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const FN = '9999078900000057';
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('acks');
let t: TestDatabase;
let producer: DocumentProducer;
let reports: AckReporter;
let gateway: Gateway;
let persist: PersistWorker;
let acksWorker: AckReportsWorker;

beforeAll(async () => {
  t = await createTestDatabase();
  const metrics = createMetrics({ defaultMetrics: false });
  producer = createDocumentProducer({ connection: redisUrl, prefix, metrics });
  await producer.waitUntilReady();
  reports = startAckReports({ redisUrl, prefix, log: silentLogger(), flushMs: 50 });
  gateway = await startGateway({
    message: {
      crypto: createDevsignBox(MASTER_KEY),
      enqueue: (job) => producer.enqueue(job),
      inspect: createInspector(),
      operatorInn: '7704211201',
      ackUtcOffsetMinutes: 180,
      kinds: new Set(['ofd']),
    },
    metrics: metrics.gateway,
    log: silentLogger(),
    options: { host: '127.0.0.1', port: 0 },
    onAckWritten: reports.written,
  });
  persist = startPersistWorker({ redisUrl, prefix, db: t.db, logger: silentLogger() });
  acksWorker = startAckReportsWorker({ redisUrl, prefix, db: t.db, logger: silentLogger() });
});

afterAll(async () => {
  await gateway?.close();
  await reports?.close();
  await producer?.close();
  await persist?.close();
  await acksWorker?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
  await t?.drop();
});

const message = (fd: number) => signedMessage({ fn: FN, fd, children: receiptChildren(FN, fd) });

/** Writes the message, half-closes, and reads until the gateway closes its side. */
function sendAndHalfClose(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: gateway.port });
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** Writes the message and resets the connection at once: gone before the gateway has stored and signed anything. */
function sendAndVanish(bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: gateway.port });
    socket.on('connect', () => socket.write(bytes, () => socket.resetAndDestroy()));
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

const stored = async (fd: number) => (await t.db.selectFrom('document_keys').select('fd').where('fn', '=', FN).where('fd', '=', fd).executeTakeFirst()) !== undefined;
/** The ack recorded, wherever it is (document_keys when its report came first, else document_acks: migration 0078). */
const ackRow = async (fd: number) => {
  const ack = await findWrittenAck(t.db, FN, fd);
  return ack && { acked_at: ack.ackedAt, ack_code: ack.ackCode };
};

describe('acks actually written', () => {
  it('a register that half-closes gets its ack, and acked_at / ack_code record it', async () => {
    const before = Date.now();
    const reply = await sendAndHalfClose(message(1));
    const after = Date.now();
    // The ack itself: 1022 = 0 for FD 1.
    const ack = parseAck(decodeContainer(reply.subarray(30)));
    expect(ack).toMatchObject({ fiscalDocumentNumber: 1, ofdResponseCode: 0 });

    await waitFor(() => stored(1), (s) => s);
    const row = await waitFor(() => ackRow(1), (r) => r !== undefined);
    expect(row!.ack_code).toBe(0);
    // Written between sending and reading the answer (the gateway's clock, milliseconds).
    expect(row!.acked_at.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(row!.acked_at.getTime()).toBeLessThanOrEqual(after + 5);

    const view = await findDocumentView(t.db, FN, 1);
    expect(view?.status).toMatchObject({ ackedAt: row!.acked_at.toISOString(), ackCode: 0 });
    const [listed] = await listDocuments(t.db, { inns: 'all', limit: 10, fn: FN, fd: 1 });
    expect(listed).toMatchObject({ fd: 1, ack_code: 0 });
    expect(listed?.acked_at?.toISOString()).toBe(row!.acked_at.toISOString());
  });

  it('a register gone before its ack was written: the document is stored, acked_at and ack_code stay null', async () => {
    await sendAndVanish(message(2));
    await waitFor(() => stored(2), (s) => s);
    // A later ack on another connection, reported after: once its row is there, FD 2's report would be too.
    await sendAndHalfClose(message(3));
    await waitFor(() => ackRow(3), (r) => r !== undefined);
    await reports.flush();
    expect(await ackRow(2)).toBeUndefined();
    const view = await findDocumentView(t.db, FN, 2);
    expect(view?.status).toMatchObject({ fiscalDocumentNumber: 2, ackedAt: null, ackCode: null });
    // Its re-send is answered and recorded then.
    await sendAndHalfClose(message(2));
    expect((await waitFor(() => ackRow(2), (r) => r !== undefined))?.ack_code).toBe(0);
  });
});
