// OFD_UNPAID_POLICY=stop at the gateway, over real TCP, Redis and PostgreSQL: a register whose paid service is over
// gets its documents stored but not acknowledged (the FN keeps them); once paid again, the re-sent document is acked.
import { sql } from 'kysely';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUnpaidFiscalDrives, type UnpaidFiscalDrives } from '../../../src/billing/unpaid-registers.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { exchange, MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const PAID_FN = '9999078900001701';
const UNPAID_FN = '9999078900001702';
const NEVER_BILLED_FN = '9999078900001703';

describe('unpaid registers under the stop policy', () => {
  let t: TestDatabase;
  let producer: DocumentProducer;
  let gateway: Gateway;
  let unpaid: UnpaidFiscalDrives;
  let queue: Queue<DocumentJob>;
  let unpaidRegister: number;
  const redisUrl = inject('redisUrl');
  const prefix = uniquePrefix('unpaid');

  beforeAll(async () => {
    t = await createTestDatabase();
    const { rows: [org] } = await sql<{ id: number }>`insert into organizations (inn, name) values ('7706000001', 'ООО Должник') returning id`.execute(t.db);
    const day = (offset: number) => new Date(Date.now() + 3 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
    for (const [n, fn, until] of [[1, PAID_FN, day(10)], [2, UNPAID_FN, day(-1)], [3, NEVER_BILLED_FN, null]] as const) {
      const { rows: [reg] } = await sql<{ id: number }>`
        insert into registers (registration_number, organization_id) values (${`000000000017000${n}`}, ${org!.id}) returning id`.execute(t.db);
      await sql`insert into fiscal_drives (fn, register_id) values (${fn}, ${reg!.id})`.execute(t.db);
      if (until !== null) await sql`insert into ofd_services (register_id, service_until) values (${reg!.id}, ${until}::date)`.execute(t.db);
      if (fn === UNPAID_FN) unpaidRegister = reg!.id;
    }
    unpaid = createUnpaidFiscalDrives({ db: t.db, logger: silentLogger(), refreshMs: 60_000 });
    await unpaid.refresh();
    const metrics = createMetrics({ defaultMetrics: false });
    producer = createDocumentProducer({ connection: redisUrl, prefix, metrics });
    await producer.waitUntilReady();
    gateway = await startGateway({
      message: {
        crypto: createDevsignBox(MASTER_KEY),
        enqueue: (job) => producer.enqueue(job),
        inspect: createInspector(),
        operatorInn: '7704211201',
        ackUtcOffsetMinutes: 180,
        kinds: new Set(['ofd']),
        unpaidFiscalDrives: unpaid,
      },
      metrics: metrics.gateway,
      log: silentLogger(),
      options: { host: '127.0.0.1', port: 0 },
    });
    queue = new Queue('documents', { connection: { url: redisUrl }, prefix });
  });
  afterAll(async () => {
    unpaid.close();
    await gateway.close();
    await producer.close();
    await queue.close();
    await deleteKeysWithPrefix(redisUrl, prefix);
    await t.drop();
  });

  /** Copies of (fn, fd) in the documents queue: a job carries a micro-batch, PostgreSQL keeps one copy of each. */
  const queuedCopies = async (fn: string, fd: number) =>
    (await queue.getJobs(['waiting', 'active', 'completed', 'delayed', 'prioritized']))
      .flatMap((j) => (j.data as { documents?: Array<{ fn: string; fd: number }> }).documents ?? [])
      .filter((d) => d.fn === fn && d.fd === fd).length;

  const send = (fn: string, fd: number) => exchange(gateway.port, signedMessage({ fn, fd, children: receiptChildren(fn, fd) }));

  it('acknowledges paid registers and registers never billed', async () => {
    expect((await send(PAID_FN, 1)).reply.length).toBeGreaterThan(30);
    expect((await send(NEVER_BILLED_FN, 1)).reply.length).toBeGreaterThan(30);
  });

  it('stores an unpaid register’s document but closes without the acknowledgement', async () => {
    const r = await send(UNPAID_FN, 1);
    expect(r.reply.length).toBe(0);
    expect(r.closed).toBe(true);
    expect(await queuedCopies(UNPAID_FN, 1)).toBe(1);
  });

  it('acknowledges the re-sent document once the service is paid again (after the next refresh)', async () => {
    const until = new Date(Date.now() + 3 * 3_600_000 + 30 * 86_400_000).toISOString().slice(0, 10);
    await sql`update ofd_services set service_until = ${until}::date where register_id = ${unpaidRegister}`.execute(t.db);
    expect((await send(UNPAID_FN, 1)).reply.length).toBe(0);
    await unpaid.refresh();
    expect((await send(UNPAID_FN, 1)).reply.length).toBeGreaterThan(30);
    // Every copy was durable before its answer (refused twice, acknowledged once); persisting stores it once.
    expect(await queuedCopies(UNPAID_FN, 1)).toBe(3);
  });
});
