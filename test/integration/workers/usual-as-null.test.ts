// OFD_STORE_USUAL_AS_NULL (src/workers/persist/usual-as-null.ts): the same documents (the loadtest's mix of emulated
// registers, each through the gateway's handleMessage) stored twice by the persist processor, as written before and
// with the usual values left null. The lean rows hold no usual value, and everything read from them — the document
// list with its filters, each document's view and lifecycle, the rollups and shift totals, reprocess — is what the
// rows that spell them out give. The expected values are read from the other database, never computed here.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { findDocumentWithLifecycle, listDocuments, type DocumentListQuery } from '../../../src/db/api-documents.repository.js';
import { flkCodesOf, flkStatusOf, signStatusOf } from '../../../src/db/document-outcome.js';
import { toDocumentView } from '../../../src/db/document-view.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { reprocessDocuments } from '../../../src/workers/persist/reprocess.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const REGISTERS = 30;
const DOCUMENTS = 900;
const BATCH = 300;

let plain: TestDatabase;
let lean: TestDatabase;
let jobs: DocumentJob[];

async function store(t: TestDatabase, usualAsNull: boolean): Promise<void> {
  const persist = createPersistProcessor({ db: t.db, logger: silentLogger(), usualAsNull });
  for (let i = 0; i < jobs.length; i += BATCH) {
    const results = await persist(jobs.slice(i, i + BATCH));
    expect(results.every((r) => r.ok && r.inserted)).toBe(true);
  }
}

/** The whole list as a reader sees it (persisted_at aside: two databases, two moments). */
async function listed(t: TestDatabase, filter: Partial<DocumentListQuery> = {}): Promise<unknown[]> {
  const rows = await listDocuments(t.db, { inns: 'all', limit: DOCUMENTS + 1, ...filter });
  return rows.map(({ persisted_at: _p, sign_status, flk_status, flk_codes, ...r }) => ({
    ...r, sign: signStatusOf(sign_status), flk: flkStatusOf(flk_status), codes: flkCodesOf(flk_codes),
  }));
}

const count = async (t: TestDatabase, where: ReturnType<typeof sql>) =>
  (await sql<{ n: number }>`select count(*)::int as n from documents where ${where}`.execute(t.db)).rows[0]!.n;

beforeAll(async () => {
  jobs = await fleetJobs(REGISTERS, DOCUMENTS, 'usual-as-null');
  [plain, lean] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await store(plain, false);
  await store(lean, true);
}, 300_000);
afterAll(async () => {
  await plain?.drop();
  await lean?.drop();
});

describe('documents stored with their usual values left null', () => {
  it('hold no usual value, and each kind of null is there to be read', async () => {
    const settlement = sql`form in (3, 4, 31, 41)`;
    for (const [t, expectedNulls] of [[plain, false], [lean, true]] as const) {
      expect(await count(t, sql`sign_status is null or flk_status is null or flk_codes is null`) > 0).toBe(expectedNulls);
      expect(await count(t, sql`${settlement} and prepaid_sum is null`) > 0).toBe(expectedNulls);
      expect(await count(t, sql`register_id is not null and kkt_reg_id is null`) > 0).toBe(expectedNulls);
    }
    expect(await count(lean, sql`sign_status = 'verified' or flk_status = 'passed' or flk_codes = '{}'`)).toBe(0);
    expect(await count(lean, sql`0 in (cash_total_sum, ecash_total_sum, prepaid_sum, credit_sum, provision_sum)`)).toBe(0);
    expect(await count(lean, sql`register_id is not null and kkt_reg_id is not null`)).toBe(0);
    // What was not usual is spelt out: the documents that failed ФЛК keep their verdict and codes.
    expect(await count(lean, sql`flk_status = 'failed'`)).toBe(await count(plain, sql`flk_status = 'failed'`));
  });

  it('list, filter and show as the rows that spell them out', async () => {
    expect(await listed(lean)).toEqual(await listed(plain));
    for (const filter of [{ flkStatus: 'passed' }, { flkStatus: 'failed' }, { payment: 'prepaid' }, { payment: 'cash' }, { form: 5 }] as const) {
      expect(await listed(lean, filter)).toEqual(await listed(plain, filter));
    }
    for (const job of jobs.filter((_, i) => i % 37 === 0)) {
      const view = async (t: TestDatabase) => {
        const stored = (await findDocumentWithLifecycle(t.db, job.fn, job.fd))!;
        const { status, document } = toDocumentView(stored.row, stored.events, stored.fns, stored.marking);
        const { persistedAt: _p, events, ...rest } = status;
        return { rest, events: events.map((e) => ({ kind: e.kind, detail: e.detail })), document };
      };
      expect(await view(lean)).toEqual(await view(plain));
    }
  });

  it('count the same in the rollups and shift totals', async () => {
    const rollups = (t: TestDatabase) =>
      Promise.all([
        sql`select * from report_rollup_daily order by day, organization_id, outlet_id, register_id, operation_type`.execute(t.db),
        sql`select fn, shift_number, received_receipts, sell_total_sum, sell_return_total_sum from shifts order by fn, shift_number`.execute(t.db),
      ]).then((r) => r.map((x) => x.rows));
    expect(await rollups(lean)).toEqual(await rollups(plain));
  });

  it('are no change to reprocess, which keeps them lean', async () => {
    const summary = await reprocessDocuments(lean.db, silentLogger(), { usualAsNull: true });
    expect(summary.rebuilt).toBe(DOCUMENTS);
    expect(summary.changed).toBe(0);
    expect(await count(lean, sql`0 in (cash_total_sum, ecash_total_sum, prepaid_sum, credit_sum, provision_sum)`)).toBe(0);
    expect(await count(lean, sql`register_id is not null and kkt_reg_id is not null`)).toBe(0);
    // A reprocess of a release that spells them out sees no change either.
    expect((await reprocessDocuments(lean.db, silentLogger(), {})).changed).toBe(0);
  });
});
