// The persist processor against a real PostgreSQL: derived rows, idempotency, terminal per-job errors.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { findDocumentWithLifecycle } from '../../../src/db/api-documents.repository.js';
import { storedFnsJson } from '../../../src/db/fns-json.js';
import { createPersistProcessor, type PersistedJob, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { deriveDocument } from '../../../src/workers/persist/derive.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { ascii, u32, u8, vln } from '../../support/kkt.js';
import { encodeTlv } from '../../../protocol/tlv.js';
import { FN_A, FN_B, MARKING_CODE, realJob, richReceiptChildren } from './worker-test-helpers.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { storedItems } from '../../../src/db/stored-items.js';

let t: TestDatabase;
let persist: PersistProcessor;

beforeAll(async () => {
  t = await createTestDatabase();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
});
afterAll(() => t.drop());

const LOCAL = Date.UTC(2024, 8, 17, 9, 0, 0) / 1000;

describe('persist processor', () => {
  it('stores a receipt with exact items, marking codes, events, shift totals and the raw container byte for byte', async () => {
    const job = realJob(FN_A, 1, richReceiptChildren(FN_A, 1));
    const [result] = await persist([job]);
    expect(result).toMatchObject({ ok: true, inserted: true, fn: FN_A, fd: 1, form: 3 });
    const r = result as PersistedJob;
    expect(r.downstream).toEqual({ fns: true, crpt: true, notify: { channel: 'email', recipient: 'buyer@example.com' } });

    const doc = await t.db.selectFrom('documents').selectAll().where('fn', '=', FN_A).where('fd', '=', 1).executeTakeFirstOrThrow();
    expect(unpackRawContainer(doc.raw_container, doc.raw_codec).equals(Buffer.from(job.container, 'base64'))).toBe(true);
    // The drive's first receipt: it becomes the drive's context (migration 0081), and its own row is stored without
    // it, a copy of its own.
    expect(doc.raw_codec).toBe(1);
    const context = await t.db.selectFrom('raw_contexts').select(['fn', 'fd', 'raw_codec']).execute();
    expect(context).toEqual([{ fn: FN_A, fd: 1, raw_codec: 1 }]);
    expect(doc).toMatchObject({ form: 3, total_sum: 18090, cash_total_sum: 18090, operation_type: 1, date_time: '2024-09-17T18:01:00' });
    expect(doc.kkt_reg_id).toBe('0000000001000001');
    expect(doc.user_inn).toBe('7704211201');
    expect(doc.register_id).not.toBeNull();
    expect(doc.outlet_id).not.toBeNull();
    // The FNS JSON is derived from the raw bytes on read (not stored: migration 0053).
    expect(storedFnsJson(doc)).toHaveProperty('receipt.fiscalDocumentNumber', 1);
    expect(storedFnsJson(doc)).toHaveProperty('receipt.messageFiscalSign');

    // Names are stored (their ids, item_name_id_chars; read as rows by the receipt_items view); price, quantity and sum are read from
    // the stored raw container by storedItems (migration 0066), the rest of an item by the decoder.
    const names = await t.db.selectFrom('receipt_items').select(['item_index', 'name']).where('fn', '=', FN_A).where('fd', '=', 1).orderBy('item_index').execute();
    expect(names).toEqual([
      { item_index: 0, name: 'Bread' },
      { item_index: 1, name: 'Milk' },
      { item_index: 2, name: 'Cheese' },
    ]);
    // Stored as ids in item_name_dictionary (migration 0070), one character each (0083: id n is U+0080 + n below the
    // surrogates), read back through ofd_item_names.
    expect(doc.item_names).toBeNull();
    expect(doc.item_name_ids).toBeNull();
    const dictionary = await t.db.selectFrom('item_name_dictionary').select(['id', 'name']).where('user_inn', '=', '7704211201').execute();
    const idOf = (name: string) => dictionary.find((n) => n.name === name)!.id;
    expect(doc.item_name_id_chars).toBe(['Bread', 'Milk', 'Cheese'].map((n) => String.fromCodePoint(0x80 + idOf(n))).join(''));
    const stored = storedItems({ ...doc, item_names: names.map((n) => n.name) });
    const decoded = deriveDocument({ fn: FN_A, fd: 1, receivedAt: job.receivedAt, form: 3, raw: unpackRawContainer(doc.raw_container, doc.raw_codec), unrecognised: false });
    if (decoded instanceof Error) throw decoded;
    const items = stored.map((s, i) => {
      const d = decoded.items[i]!;
      return { ...s, nds: d.nds, payment_type: d.payment_type, product_type: d.product_type, marking_code: d.marking_code };
    });
    expect(items).toEqual([
      { item_index: 0, name: 'Bread', price: 4550, quantity: '2', sum: 9100, nds: 6, payment_type: 4, product_type: 1, marking_code: null },
      { item_index: 1, name: 'Milk', price: 8990, quantity: '1', sum: 8990, nds: 6, payment_type: 4, product_type: 1, marking_code: null },
      { item_index: 2, name: 'Cheese', price: 100000, quantity: '2.470', sum: 247000, nds: 1, payment_type: 4, product_type: 1, marking_code: MARKING_CODE },
    ]);
    const codes = await t.db.selectFrom('marking_codes').selectAll().where('fn', '=', FN_A).execute();
    expect(codes).toHaveLength(1);
    expect(codes[0]).toMatchObject({ item_index: 2, code: MARKING_CODE, code_type: 'gs1m', gtin: '04600439931256', operation_type: 1 });

    // The 'received' and 'persisted' events are composed from the row (not written: migration 0053).
    const events = (await findDocumentWithLifecycle(t.db, FN_A, 1))!.events;
    expect(events.map((e) => e.kind)).toEqual(['received', 'persisted']);

    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', FN_A).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ shift_number: 1, received_receipts: 1, sell_total_sum: 18090 });
    const drive = await t.db.selectFrom('fiscal_drives').selectAll().where('fn', '=', FN_A).executeTakeFirstOrThrow();
    expect(drive).toMatchObject({ first_fd: 1, last_fd: 1 });
  });

  it('is idempotent: the same document twice in a batch and again later is stored once, counters not doubled', async () => {
    const job = realJob(FN_B, 5);
    const copy = { ...job, receivedAt: new Date(Date.now() + 1000).toISOString() };
    const first = await persist([job, copy]);
    expect(first.map((r) => r.ok && r.inserted)).toEqual([true, false]);
    const again = await persist([copy]);
    expect(again[0]).toMatchObject({ ok: true, inserted: false });

    const docs = await t.db.selectFrom('documents').select('fd').where('fn', '=', FN_B).execute();
    expect(docs).toHaveLength(1);
    const items = await t.db.selectFrom('receipt_items').select('item_index').where('fn', '=', FN_B).execute();
    expect(items).toHaveLength(2);
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', FN_B).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 1, sell_total_sum: 18090 });
  });

  it('stores duplicates arriving concurrently in overlapping batches once, without deadlocks, counters exact', async () => {
    const fns = ['9999300000000001', '9999300000000002', '9999300000000003'];
    const jobs = fns.flatMap((fn) => Array.from({ length: 60 }, (_, i) => realJob(fn, i + 1)));
    const shuffled = (seed: number) => [...jobs].sort((a, b) => ((a.fd * seed + a.fn.charCodeAt(15)) % 97) - ((b.fd * seed + b.fn.charCodeAt(15)) % 97));
    const runs = await Promise.all([1, 7, 13, 29].map((seed) => persist(shuffled(seed))));
    const inserted = runs.flat().filter((r) => r.ok && r.inserted).length;
    expect(inserted).toBe(jobs.length);
    for (const fn of fns) {
      const docs = await t.db.selectFrom('documents').select('fd').where('fn', '=', fn).execute();
      expect(docs).toHaveLength(60);
      const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
      expect(shift).toMatchObject({ received_receipts: 60, sell_total_sum: 60 * 18090 });
      const items = await t.db.selectFrom('receipt_items').select('fd').where('fn', '=', fn).execute();
      expect(items).toHaveLength(120);
    }
  });

  it('records FD gaps per fiscal drive', async () => {
    await persist([realJob(FN_B, 9), realJob(FN_B, 7)]);
    const gaps = await t.db.selectFrom('fd_gaps').select(['from_fd', 'to_fd']).where('fn', '=', FN_B).orderBy('from_fd').execute();
    expect(gaps).toEqual([
      { from_fd: 6, to_fd: 6 },
      { from_fd: 8, to_fd: 8 },
    ]);
  });

  it('returns a terminal error for a bad payload or an undecodable container, and stores the rest of the batch', async () => {
    const fn = '9999000000000001';
    const good = realJob(fn, 1);
    const garbage = { ...realJob(fn, 2), container: randomBytes(120).toString('base64') };
    const invalid = { ...realJob(fn, 3), fn: 'not-a-fn' };
    const results = await persist([garbage, good, invalid]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'PERSIST_BAD_CONTAINER' } });
    expect(results[1]).toMatchObject({ ok: true, inserted: true });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'PERSIST_BAD_PAYLOAD' } });
    const docs = await t.db.selectFrom('documents').select('fd').where('fn', '=', fn).execute();
    expect(docs.map((d) => d.fd)).toEqual([1]);
  });

  it('stores an unrecognised document raw, without derived rows', async () => {
    const fn = '9999000000000002';
    const job = { ...realJob(fn, 1), flk: { ok: false, codes: ['DOC_UNRECOGNISED'] } };
    const [r] = await persist([job]);
    expect(r).toMatchObject({ ok: true, inserted: true, downstream: { fns: false, crpt: false } });
    const doc = await t.db.selectFrom('documents').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(unpackRawContainer(doc.raw_container, doc.raw_codec).equals(Buffer.from(job.container, 'base64'))).toBe(true);
    expect(doc).toMatchObject({ flk_status: 'failed', ack_code: null, register_id: null, shift_number: null });
    expect(await t.db.selectFrom('receipt_items').select('fd').where('fn', '=', fn).execute()).toHaveLength(0);
  });

  it('derives organization, outlet, register and fiscal drive from a registration report, and shifts from open/close', async () => {
    const fn = '9999000000000003';
    const regId = '0000000002000002    ';
    const common = (fd: number) => [ascii(1018, '7707083893  '), u32(1012, LOCAL + fd), ascii(1037, regId), u32(1040, fd), ascii(1041, fn), u8(1209, 2)];
    const registration = realJob(
      fn,
      1,
      [
        ascii(1048, 'OOO Registered'),
        ...common(1),
        ascii(1013, 'SERIAL-1'),
        ascii(1009, 'Kazan, Baumana 5'),
        ascii(1187, 'Kiosk'),
        ascii(1188, 'v1'),
        u8(1062, 1),
        u8(1001, 0),
        u8(1002, 1),
        u8(1190, 2),
      ],
      1,
    );
    const open = realJob(fn, 2, [...common(2), u32(1038, 7)], 2);
    const receipt = realJob(fn, 3, [...common(3), u32(1038, 7), u8(1054, 2), vln(1020, 500), ascii(1009, 'Kazan, Baumana 5'), ascii(1187, 'Kiosk')]);
    const close = realJob(fn, 4, [...common(4), u32(1038, 7), u32(1118, 1), u32(1111, 3), u32(1097, 0)], 5);
    const results = await persist([close, receipt, open, registration]);
    expect(results.every((r) => r.ok && r.inserted)).toBe(true);

    const org = await t.db.selectFrom('organizations').selectAll().where('inn', '=', '7707083893').executeTakeFirstOrThrow();
    expect(org.name).toBe('OOO Registered');
    const reg = await t.db.selectFrom('registers').selectAll().where('registration_number', '=', regId.trim()).executeTakeFirstOrThrow();
    expect(reg).toMatchObject({ serial_number: 'SERIAL-1', status: 'active', organization_id: org.id, auto_mode: false, offline_mode: true });
    const outlet = await t.db.selectFrom('outlets').selectAll().where('id', '=', reg.outlet_id!).executeTakeFirstOrThrow();
    expect(outlet).toMatchObject({ address: 'Kazan, Baumana 5', place: 'Kiosk' });
    const drive = await t.db.selectFrom('fiscal_drives').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(drive).toMatchObject({ register_id: reg.id, registration_fd: 1, first_fd: 1, last_fd: 4 });
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({
      shift_number: 7,
      open_fd: 2,
      close_fd: 4,
      receipts_quantity: 1,
      documents_quantity: 3,
      received_receipts: 1,
      sell_return_total_sum: 500,
      sell_total_sum: 0,
      register_id: reg.id,
    });
    const receiptRow = await t.db.selectFrom('documents').selectAll().where('fn', '=', fn).where('fd', '=', 3).executeTakeFirstOrThrow();
    expect(receiptRow).toMatchObject({ register_id: reg.id, outlet_id: outlet.id });
  });

  it('takes when an FN started from its first registration and everything else from the newest report, whatever order they arrive in', async () => {
    const fn = '9999000000000004';
    const regId = '0000000002000004    ';
    const inn = '7707083893  ';
    const u16 = (tag: number, v: number) => encodeTlv(tag, Buffer.from([v & 0xff, v >> 8]));
    // 1012 of each report, 09:00 local on day 0 (registration), 10 (shift report), 20 (re-registration).
    const at = (day: number) => LOCAL + day * 86_400;
    const head = (fd: number, day: number, reg = regId, drive = fn) => [ascii(1018, inn), u32(1012, at(day)), ascii(1037, reg), u32(1040, fd), ascii(1041, drive), u8(1209, 4)];
    const registration = (fd: number, day: number, keyDays: number, form: number, reg = regId, drive = fn) =>
      realJob(drive, fd, [ascii(1048, `OOO Keys ${day}`), ...head(fd, day, reg, drive), ascii(1013, `SERIAL-${day}`), u8(1062, 1), u16(1213, keyDays)], form);
    const closeShift = realJob(fn, 3, [...head(3, 10), u32(1038, 1), u32(1118, 0), u32(1111, 1), u32(1097, 0), u16(1213, 100)], 5);
    const drive = () =>
      t.db
        .selectFrom('fiscal_drives')
        .select(['registration_fd', 'registered_at', 'validity_months', 'key_resource_days', 'key_resource_reported_at'])
        .where('fn', '=', fn)
        .executeTakeFirstOrThrow();
    const register = async () => (await t.db.selectFrom('registers').select('serial_number').where('registration_number', '=', regId.trim()).executeTakeFirstOrThrow()).serial_number;
    const organizationName = async () => (await t.db.selectFrom('organizations').select('name').where('inn', '=', inn.trim()).executeTakeFirstOrThrow()).name;

    // The shift report and the re-registration first; the first registration arrives last.
    await persist([closeShift]);
    await persist([registration(5, 20, 90, 11)]);
    await persist([registration(1, 0, 400, 1)]);
    // Started on day 0 (FD 1), a 13-month model by its first 1213 (400 days; fn-end-date.test.ts has the table), keys
    // as the newest report (day 20) says; the register and the organization's name as of the re-registration.
    expect(await drive()).toEqual({
      registration_fd: 1,
      registered_at: '2024-09-17T09:00:00',
      validity_months: 13,
      key_resource_days: 90,
      key_resource_reported_at: '2024-10-07T09:00:00',
    });
    expect(await register()).toBe('SERIAL-20');
    expect(await organizationName()).toBe('OOO Keys 20');
    // Another register of the organization sends its backlog: its older report does not rename the organization.
    await persist([registration(1, 2, 400, 1, '0000000002000005    ', '9999000000000005')]);
    expect(await organizationName()).toBe('OOO Keys 20');
  });
});
