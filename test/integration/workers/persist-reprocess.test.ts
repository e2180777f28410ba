// `ofd reprocess`: derived state damaged in the database (columns, items, marking codes, shift totals) is
// rebuilt from the raw bytes, which are never touched; running it again changes nothing; it is safe beside a worker.
import { packRawContainer } from '../../../src/db/raw-container.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as reprocess } from '../../../src/cli/commands/reprocess.js';
import { addShiftTotals, flkCodesLiteral, insertDocumentBatch } from '../../../src/db/document-batch.repository.js';
import { storedFnsJson } from '../../../src/db/fns-json.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { deriveDocument, DeriveError } from '../../../src/workers/persist/derive.js';
import { rebuildRollups } from '../../../src/db/rollups.repository.js';
import { reprocessDocuments } from '../../../src/workers/persist/reprocess.js';
import { run as rollups } from '../../../src/cli/commands/rollups.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { MARKING_CODE, realJob, richReceiptChildren } from './worker-test-helpers.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { ItemNameDictionary, itemNamesOf } from '../../../src/db/item-name-dictionary.js';

const FN = '9999500000000001';
const OTHER_FN = '9999500000000002';
let t: TestDatabase;
let persist: PersistProcessor;

beforeAll(async () => {
  t = await createTestDatabase();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
});
afterAll(() => t.drop());

/** Everything a rebuild may write, per fiscal drive, in a comparable form. */
async function derivedState(fn: string) {
  const documents = await t.db
    .selectFrom('documents')
    .select([
      'fd', 'form', 'ffd_version', 'date_time', 'kkt_reg_id', 'user_inn', 'register_id', 'outlet_id', 'shift_number',
      'request_number', 'operation_type', 'total_sum', 'cash_total_sum', 'ecash_total_sum', 'prepaid_sum', 'credit_sum',
      'provision_sum', 'fiscal_sign', 'message_fiscal_sign', 'taxation_type', 'nds20_sum', 'nds10_sum', 'nds0_base', 'nds_no_base',
      'nds20_120_sum', 'nds10_110_sum', 'buyer_contact', 'sign_status', 'flk_status', 'flk_codes', 'ack_code',
      'persisted_at',
    ])
    .where('fn', '=', fn)
    .orderBy('fd')
    .execute();
  const items = await t.db.selectFrom('receipt_items').selectAll().where('fn', '=', fn).orderBy('fd').orderBy('item_index').execute();
  const codes = await t.db.selectFrom('marking_codes').selectAll().where('fn', '=', fn).orderBy('fd').orderBy('item_index').execute();
  const shifts = await t.db
    .selectFrom('shifts')
    .select(['shift_number', 'received_receipts', 'sell_total_sum', 'sell_return_total_sum', 'buy_total_sum', 'buy_return_total_sum'])
    .where('fn', '=', fn)
    .orderBy('shift_number')
    .execute();
  return { documents, items, codes, shifts };
}

const ROLLUP_RANGE = { from: '2000-01-01', to: '2100-01-01' };

/** Every report rollup row, quantities as text (their scale compared too). */
async function rollupState() {
  const hourly = await sql`select * from report_rollup_hourly order by 1, 2, 3, 4, 5, 6`.execute(t.db);
  const daily = await sql`select * from report_rollup_daily order by 1, 2, 3, 4, 5, 6`.execute(t.db);
  const items = await sql`select day, organization_id, outlet_id, register_id, name, quantity::text as quantity, sum from report_item_daily_named order by 1, 2, 3, 4, 5, 6, 7`.execute(t.db);
  return { hourly: hourly.rows, daily: daily.rows, items: items.rows };
}

async function rawContainers(fn: string): Promise<Map<number, Buffer>> {
  const rows = await t.db.selectFrom('documents').select(['fd', 'raw_container', 'raw_codec']).where('fn', '=', fn).execute();
  return new Map(rows.map((r) => [r.fd, unpackRawContainer(r.raw_container, r.raw_codec)]));
}

async function runReprocess(argv: string[]): Promise<{ code: number; summary: Record<string, unknown> }> {
  let out = '';
  const code = await reprocess([...argv, '--quiet'], { databaseUrl: t.url, write: (text) => (out += text) });
  return { code, summary: JSON.parse(out) as Record<string, unknown> };
}

describe('ofd reprocess', () => {
  const jobs: DocumentJob[] = [realJob(FN, 1, richReceiptChildren(FN, 1)), ...Array.from({ length: 24 }, (_, i) => realJob(FN, i + 2))];

  it('restores corrupted columns (those once read from the FNS JSON too), items, marking codes and shift totals from the raw bytes, leaving the bytes alone', async () => {
    await persist(jobs);
    await persist([realJob(OTHER_FN, 1)]);
    const original = await derivedState(FN);
    const raw = await rawContainers(FN);
    expect(original.items).toHaveLength(3 + 24 * 2);
    expect(original.codes).toHaveLength(1);
    expect(original.shifts).toEqual([
      { shift_number: 1, received_receipts: 25, sell_total_sum: 25 * 18090, sell_return_total_sum: 0, buy_total_sum: 0, buy_return_total_sum: 0 },
    ]);

    // The damage a decoder bug (or a bad hand) could leave behind.
    await sql`update documents set taxation_type = 32, total_sum = 1, kkt_reg_id = 'garbage' where fn = ${FN} and fd in (1, 5)`.execute(t.db);
    await sql`update documents set taxation_type = null, nds20_sum = 1 where fn = ${FN} and fd = 7`.execute(t.db);
    await sql`update documents set item_name_id_chars = null where fn = ${FN} and fd = 2`.execute(t.db);
    // Names in the row as stored before migration 0070: wrong ones for 1, right ones for 3.
    await sql`update documents set item_names = array_fill('CORRUPT'::text, array[char_length(item_name_id_chars)]), item_name_id_chars = null
               where fn = ${FN} and fd = 1`.execute(t.db);
    const oldStyle = await sql<{ names: string[] }>`
      update documents set item_names = ofd_item_names(item_name_id_chars, null, null), item_name_id_chars = null where fn = ${FN} and fd = 3
      returning item_names as names`.execute(t.db);
    expect(oldStyle.rows[0]!.names.length).toBeGreaterThan(0);
    // And the right ids as an integer array, as stored from migration 0070 to 0082, for 4.
    const arrayStyle = await sql<{ ids: number[] }>`
      update documents set item_name_ids = ofd_item_name_ids(item_name_id_chars, null), item_name_id_chars = null where fn = ${FN} and fd = 4
      returning item_name_ids as ids`.execute(t.db);
    expect(arrayStyle.rows[0]!.ids.length).toBeGreaterThan(0);
    await sql`delete from marking_codes where fn = ${FN}`.execute(t.db);
    await sql`update shifts set received_receipts = 999, sell_total_sum = 0 where fn = ${FN}`.execute(t.db);
    expect(await derivedState(FN)).not.toEqual(original);

    const { code, summary } = await runReprocess(['--fn', FN, '--batch', '7']);
    expect(code).toBe(0);
    // Changed: 1 and 5 (columns, items), 2 (items), 7 (columns); not 3 nor 4, whose names were right, only stored an
    // older way.
    expect(summary).toMatchObject({ scanned: 25, rebuilt: 25, changed: 4, skipped: 0, failed: 0, batches: 4 });
    // Every row is stored the new way now: id characters, no names nor id array.
    const oldWay = await sql<{ n: number }>`
      select count(*)::int as n from documents
       where fn = ${FN} and (item_names is not null or item_name_ids is not null or (form = 3 and item_name_id_chars is null))`.execute(t.db);
    expect(oldWay.rows[0]!.n).toBe(0);

    expect(await derivedState(FN)).toEqual(original);
    const after = await rawContainers(FN);
    expect(after.size).toBe(raw.size);
    for (const [fd, bytes] of raw) expect(after.get(fd)!.equals(bytes), `raw_container of FD ${fd}`).toBe(true);
    const codes = await t.db.selectFrom('marking_codes').select(['code', 'gtin']).where('fn', '=', FN).execute();
    expect(codes).toEqual([{ code: MARKING_CODE, gtin: '04600439931256' }]);

    const docs = await t.db.selectFrom('documents').select(['fd', 'reprocessed_at']).where('fn', '=', FN).execute();
    expect(docs.every((d) => d.reprocessed_at instanceof Date)).toBe(true);
    const events = await t.db.selectFrom('document_events').select(['fd', 'detail']).where('fn', '=', FN).where('kind', '=', 'reprocessed').orderBy('fd').execute();
    expect(events).toHaveLength(25);
    expect(events.filter((e) => (e.detail as { jsonChanged: boolean }).jsonChanged).map((e) => e.fd)).toEqual([1, 2, 5, 7]);
    expect(events[0]!.detail).toEqual({ jsonChanged: true, items: 3, markingCodes: 1 });

    // --fn: the other fiscal drive was not touched.
    const other = await t.db.selectFrom('documents').select('reprocessed_at').where('fn', '=', OTHER_FN).executeTakeFirstOrThrow();
    expect(other.reprocessed_at).toBeNull();
  });

  it('is idempotent: a second run rebuilds the same rows and only logs another event', async () => {
    const before = await derivedState(FN);
    const { code, summary } = await runReprocess(['--fn', FN]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ rebuilt: 25, changed: 0, batches: 1 });
    expect(await derivedState(FN)).toEqual(before);
    const events = await t.db.selectFrom('document_events').select('fd').where('fn', '=', FN).where('kind', '=', 'reprocessed').execute();
    expect(events).toHaveLength(50);
  });

  it('decodes a document stored unrecognised (the point of a decoder fix) and counts it into its shift', async () => {
    const fn = '9999500000000003';
    await persist([realJob(fn, 1), { ...realJob(fn, 2), flk: { ok: false, codes: ['DOC_UNRECOGNISED'] } }]);
    const stored = await t.db.selectFrom('documents').selectAll().where('fn', '=', fn).where('fd', '=', 2).executeTakeFirstOrThrow();
    expect({ fns_json: storedFnsJson(stored), shift_number: stored.shift_number }).toEqual({ fns_json: {}, shift_number: null });

    const summary = await reprocessDocuments(t.db, silentLogger(), { fn });
    expect(summary).toMatchObject({ rebuilt: 2, changed: 1 });
    const doc = await t.db.selectFrom('documents').selectAll().where('fn', '=', fn).where('fd', '=', 2).executeTakeFirstOrThrow();
    expect(storedFnsJson(doc)).toHaveProperty('receipt.fiscalDocumentNumber', 2);
    // The gateway's verdict stays what it answered.
    expect(doc).toMatchObject({ flk_status: 'failed', flk_codes: ['DOC_UNRECOGNISED'], ack_code: null, shift_number: 1 });
    expect(await t.db.selectFrom('receipt_items').select('item_index').where('fn', '=', fn).where('fd', '=', 2).execute()).toHaveLength(2);
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 2, sell_total_sum: 2 * 18090 });
  });

  it('moves the report rollups with the rebuilt rows: the reports after it equal a rebuild of them from scratch', async () => {
    const fn = '9999500000000009';
    await persist([realJob(fn, 1, richReceiptChildren(fn, 1)), ...Array.from({ length: 9 }, (_, i) => realJob(fn, i + 2))]);
    // What an older decoder could have stored, with rollups consistent with it (as its persist path left them).
    await sql`update documents set total_sum = total_sum + 500, date_time = date_time - interval '3 days' where fn = ${fn} and fd in (2, 3)`.execute(t.db);
    // (An item's quantity and sum are not stored since migration 0066: decoded from the raw container, they follow the
    // decoder; the names are.)
    await sql`update documents set item_names = array_fill('MISDECODED'::text, array[char_length(item_name_id_chars)]), item_name_id_chars = null
               where fn = ${fn} and fd = 2`.execute(t.db);
    await rebuildRollups(t.db, ROLLUP_RANGE);
    const before = await rollupState();
    expect(JSON.stringify(before)).toContain('MISDECODED');

    const summary = await reprocessDocuments(t.db, silentLogger(), { fn });
    // Changed: the two documents whose columns the older decoder got wrong (the FNS JSON is derived on read).
    expect(summary).toMatchObject({ rebuilt: 10, changed: 2 });
    const after = await rollupState();
    expect(after).not.toEqual(before);
    // Exactly what the rows now give: nothing counted twice, nothing left at zero (the misdecoded item, the old day).
    await rebuildRollups(t.db, ROLLUP_RANGE);
    expect(after).toEqual(await rollupState());
    expect(JSON.stringify(after)).not.toContain('MISDECODED');
  });

  it('reports a document that no longer decodes and leaves it as it was', async () => {
    const fn = '9999500000000004';
    await persist([realJob(fn, 1), realJob(fn, 2)]);
    // A container whose CRC no longer matches: what a stricter decoder would refuse.
    await sql`update documents set raw_container = set_byte(raw_container, 40, (get_byte(raw_container, 40) + 1) % 256) where fn = ${fn} and fd = 2`.execute(t.db);
    const before = await derivedState(fn);
    const { code, summary } = await runReprocess(['--fn', fn]);
    expect(code).toBe(1);
    expect(summary).toMatchObject({ rebuilt: 1, failed: 1, failures: [{ fn, fd: 2, code: 'PERSIST_BAD_CONTAINER' }] });
    expect(await derivedState(fn)).toEqual(before);
  });

  it('takes --since: documents received earlier are left alone', async () => {
    const fn = '9999500000000005';
    const old = { ...realJob(fn, 1), receivedAt: '2026-01-15T10:00:00.000Z' };
    const recent = realJob(fn, 2);
    await persist([old, recent]);
    const { summary } = await runReprocess(['--fn', fn, '--since', new Date(Date.parse(recent.receivedAt) - 1000).toISOString()]);
    expect(summary).toMatchObject({ scanned: 1, rebuilt: 1 });
    const rows = await t.db.selectFrom('documents').select(['fd', 'reprocessed_at']).where('fn', '=', fn).orderBy('fd').execute();
    expect(rows.map((r) => r.reprocessed_at !== null)).toEqual([false, true]);
  });

  it('keeps shift totals exact while a worker stores receipts of the same shift', async () => {
    const fn = '9999500000000006';
    await persist(Array.from({ length: 200 }, (_, i) => realJob(fn, i + 1)));
    const incoming = Array.from({ length: 600 }, (_, i) => realJob(fn, i + 201));
    const storing = (async () => {
      for (let i = 0; i < incoming.length; i += 20) await persist(incoming.slice(i, i + 20));
    })();
    const reprocessing = (async () => {
      for (let round = 0; round < 4; round++) await reprocessDocuments(t.db, silentLogger(), { fn, batchSize: 50 });
    })();
    await Promise.all([storing, reprocessing]);
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 800, sell_total_sum: 800 * 18090 });
  });

  it('does not lose a receipt whose worker holds its shift row while the totals are recomputed', async () => {
    const fn = '9999500000000007';
    // 1–10 and 12 stored; the worker's receipt 11 falls inside the range the reprocess batch covers, so no later batch
    // of the same run would count it again.
    await persist([...Array.from({ length: 10 }, (_, i) => realJob(fn, i + 1)), realJob(fn, 12)]);
    // A worker's transaction, stopped after it stored receipt 11 and added it to the shift, before its COMMIT.
    const job = realJob(fn, 11);
    const derived = deriveDocument({ fn, fd: 11, receivedAt: job.receivedAt, form: 3, raw: Buffer.from(job.container, 'base64'), unrecognised: false });
    if (derived instanceof DeriveError) throw derived;
    const worker = await t.db.startTransaction().execute();
    await insertDocumentBatch(worker, [
      {
        row: {
          fn, fd: 11, received_at: job.receivedAt, form: 3, register_id: null, outlet_id: null, ...derived.columns,
          sign_status: 'verified', flk_status: 'passed', flk_codes: flkCodesLiteral([]), ack_code: 0,
          crypto: 'devsign', derived: true,
        },
        raw: packRawContainer(Buffer.from(job.container, 'base64')),
        items: derived.items,
        codes: derived.codes,
      },
    ], await new ItemNameDictionary().idsOf(t.db, itemNamesOf([{ inn: derived.columns.user_inn, items: derived.items }])));
    await addShiftTotals(worker, [
      { fn, shift_number: 1, register_id: null, received_receipts: 1, sell_total_sum: 18090, sell_return_total_sum: 0, buy_total_sum: 0, buy_return_total_sum: 0 },
    ]);

    let done = false;
    const reprocessing = reprocessDocuments(t.db, silentLogger(), { fn }).finally(() => (done = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(done).toBe(false); // waiting for the worker's lock on the shift row
    await worker.commit().execute();
    await reprocessing;
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 12, sell_total_sum: 12 * 18090 });
  });

  it('refuses bad arguments with CLI_USAGE and exit 2', async () => {
    let err = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    try {
      for (const argv of [['--fn', 'x'], ['--since', 'yesterday'], ['--batch', '0'], ['--bogus']]) {
        expect(await reprocess(argv, { databaseUrl: t.url, write: () => undefined }), JSON.stringify(argv)).toBe(2);
      }
    } finally {
      stderr.mockRestore();
    }
    expect(err.trim().split('\n').every((line) => line.startsWith('error CLI_USAGE: '))).toBe(true);
  });
});

describe('ofd rollups rebuild', () => {
  // A database of its own: the rollups compared are exactly those the persist path built for these documents.
  let own: TestDatabase;
  beforeAll(async () => {
    own = await createTestDatabase();
  });
  afterAll(() => own.drop());

  it('puts item rollups a reprocess could not correct back to what the stored documents say', async () => {
    const fn = '9999500000000005';
    const outer = t;
    t = own;
    try {
      await createPersistProcessor({ db: own.db, logger: silentLogger() })([realJob(fn, 1, richReceiptChildren(fn, 1)), realJob(fn, 2)]);
      const right = await rollupState();
      expect(right.items.length).toBeGreaterThan(0);
      // What a decoder fix leaves behind: item quantities and sums counted with the old decoder's values.
      await sql`update report_item_daily_ids set quantity = quantity + 1000, sum = sum + 100000`.execute(t.db);
      expect(await rollupState()).not.toEqual(right);
      let out = '';
      const code = await rollups(['rebuild', '--from', '2000-01-01', '--to', '2100-01-01'], { databaseUrl: t.url, write: (text) => (out += text) });
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ rebuilt: { from: '2000-01-01', to: '2100-01-01' } });
      expect(await rollupState()).toEqual(right);
      // Bad days are a usage error, before anything is touched.
      for (const argv of [['rebuild', '--from', '2026-02-30', '--to', '2026-03-01'], ['rebuild', '--from', '2026-03-01', '--to', '2026-03-01'], ['rebuild'], ['drop']]) {
        expect(await rollups(argv, { databaseUrl: t.url, write: () => {} })).toBe(2);
      }
    } finally {
      t = outer;
    }
  });
});
