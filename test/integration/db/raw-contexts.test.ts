// Raw containers packed with their fiscal drive's context (migration 0081, raw_codec 2): which receipt becomes the
// context, that every stored container reads back byte for byte in a process that never saw the context, that every
// reader loads the contexts it unpacks, two workers racing for one drive, damaged or missing contexts, and going down.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import type { Database } from '../../../src/db/database.js';
import { findStoredDocument } from '../../../src/db/api-documents.repository.js';
import { readReceiptSale } from '../../../src/db/crpt-status.repository.js';
import { recordConflictingCopies } from '../../../src/db/document-conflicts.repository.js';
import { lockDocumentsForRebuild } from '../../../src/db/document-rebuild.repository.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { storedFnsJson } from '../../../src/db/fns-json.js';
import { readStoredContainers } from '../../../src/db/fns-status.repository.js';
import { kktPrefill } from '../../../src/db/kkt-prefill.repository.js';
import { listMigrations, migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { loadReceiptSource } from '../../../src/db/notify.repository.js';
import { forgetRawContexts, RAW_CONTEXT_CACHE_ENTRIES, rawContextKey, rememberRawContext } from '../../../src/db/raw-context-cache.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { loadRawContexts } from '../../../src/db/raw-contexts.js';
import { detachMonth } from '../../../src/db/partition-retention.js';
import { rebuildRollups } from '../../../src/db/rollups.repository.js';
import { receiptExportTable } from '../../../src/exports/receipt-rows.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const RECEIPT_FORMS = new Set([3, 4, 31, 41]);
const BATCH = 25;

let t: TestDatabase;
let persist: PersistProcessor;
let jobs: DocumentJob[];
const sent = new Map<string, Buffer>();
const key = (fn: string, fd: number | string) => `${fn}:${fd}`;
/**
 * Damage done outside the application (a disk, a hand with superuser rights): raw_contexts refuses updates and deletes
 * (migration 0082), so the statement runs with triggers off, as replication would apply it.
 */
async function tamper(db: Kysely<Database>, statement: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await statement.execute(trx);
  });
}

interface StoredRow {
  fn: string;
  fd: number;
  form: number;
  raw_container: Buffer;
  raw_codec: number | null;
}
const storedRows = async (): Promise<StoredRow[]> =>
  (await sql<StoredRow>`select fn, fd, form, raw_container, raw_codec from documents order by fn, fd`.execute(t.db)).rows;

beforeAll(async () => {
  t = await createTestDatabase();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
  jobs = await fleetJobs(4, 200, 'raw-contexts-test', Date.parse('2026-12-01T12:00:00Z'));
  for (const j of jobs) sent.set(key(j.fn, j.fd), Buffer.from(j.container, 'base64'));
  for (let i = 0; i < jobs.length; i += BATCH) {
    const results = await persist(jobs.slice(i, i + BATCH));
    expect(results.every((r) => r.ok)).toBe(true);
  }
}, 120_000);
afterAll(() => t.drop());

describe('raw containers packed with their drive\'s context', () => {
  it('takes each drive\'s first receipt as its context, and packs with it every document stored from that batch on', async () => {
    // Independently of the writer: the batch in which each drive first sent a receipt, and that batch's lowest FD
    // receipt of the drive (a batch is stored in (fn, fd) order).
    const firstBatch = new Map<string, number>();
    const firstReceipt = new Map<string, DocumentJob>();
    jobs.forEach((j, i) => {
      const batch = Math.floor(i / BATCH);
      if (!RECEIPT_FORMS.has(j.form) || (firstBatch.has(j.fn) && firstBatch.get(j.fn)! < batch)) return;
      firstBatch.set(j.fn, batch);
      const known = firstReceipt.get(j.fn);
      if (!known || j.fd < known.fd) firstReceipt.set(j.fn, j);
    });
    expect(firstReceipt.size).toBe(4);

    const contexts = await t.db.selectFrom('raw_contexts').select(['fn', 'fd', 'container', 'raw_codec']).orderBy('fn').execute();
    expect(contexts.map((c) => c.fn)).toEqual([...firstReceipt.keys()].sort());
    for (const c of contexts) {
      expect(c.raw_codec).toBe(1);
      expect(c.fd).toBe(firstReceipt.get(c.fn)!.fd);
      expect(unpackRawContainer(c.container, c.raw_codec).equals(Buffer.from(firstReceipt.get(c.fn)!.container, 'base64'))).toBe(true);
    }

    const batchOf = new Map(jobs.map((j, i) => [key(j.fn, j.fd), Math.floor(i / BATCH)]));
    const rows = await storedRows();
    expect(rows).toHaveLength(jobs.length);
    for (const r of rows) {
      // The receipt that became the context is stored without it: a copy of its own.
      const withContext = batchOf.get(key(r.fn, r.fd))! >= firstBatch.get(r.fn)! && r.fd !== firstReceipt.get(r.fn)!.fd;
      expect({ key: key(r.fn, r.fd), codec: r.raw_codec }).toEqual({ key: key(r.fn, r.fd), codec: withContext ? 2 : 1 });
    }
    // What the contexts are for: the drives' documents take well under what the dictionary alone would.
    const packed = rows.filter((r) => r.raw_codec === 2);
    const bytes = packed.reduce((n, r) => n + r.raw_container.length, 0);
    const sentBytes = packed.reduce((n, r) => n + sent.get(key(r.fn, r.fd))!.length, 0);
    expect(bytes / sentBytes).toBeLessThan(0.35);
  });

  it('gives every container back byte for byte in a process that never saw the contexts, once they are loaded', async () => {
    const rows = await storedRows();
    forgetRawContexts();
    const someWithContext = rows.find((r) => r.raw_codec === 2)!;
    expect(() => unpackRawContainer(someWithContext.raw_container, someWithContext.raw_codec)).toThrowError(
      expect.objectContaining({ code: 'DB_RAW_CONTEXT_NOT_LOADED' }),
    );
    await loadRawContexts(t.db, rows);
    for (const r of rows) expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(sent.get(key(r.fn, r.fd))!)).toBe(true);
  });

  it('keeps what a reader loaded readable however many other contexts the process reads before it unpacks', async () => {
    const rows = (await storedRows()).filter((r) => r.raw_codec === 2);
    forgetRawContexts();
    await loadRawContexts(t.db, rows);
    // Another reader meanwhile fills the cache many times over (a busy API, a page of an export).
    for (let i = 0; i <= RAW_CONTEXT_CACHE_ENTRIES; i++) {
      const container = Buffer.from(`another drive's context ${i}`);
      rememberRawContext({ key: rawContextKey(container), container });
    }
    for (const r of rows) expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(sent.get(key(r.fn, r.fd))!)).toBe(true);
    // A row read again, not loaded, is refused rather than unpacked with a guess.
    const again = (await storedRows()).find((r) => r.raw_codec === 2)!;
    expect(() => unpackRawContainer(again.raw_container, again.raw_codec)).toThrowError(expect.objectContaining({ code: 'DB_RAW_CONTEXT_NOT_LOADED' }));
  });

  it('every reader loads the contexts of what it unpacks', async () => {
    const receipt = jobs.filter((j) => j.form === 3).at(-1)!;
    const raw = sent.get(key(receipt.fn, receipt.fd))!;
    const expectedJson = storedFnsJson({ raw_container: raw, raw_codec: null });
    expect(Object.keys(expectedJson)).toHaveLength(1);
    const fresh = () => forgetRawContexts();

    fresh();
    const row = await findStoredDocument(t.db, receipt.fn, receipt.fd);
    expect(row?.raw_codec).toBe(2);
    expect(storedFnsJson(row!)).toEqual(expectedJson);

    fresh();
    expect((await findDocumentView(t.db, receipt.fn, receipt.fd))?.document).not.toBeNull();

    fresh();
    const forFns = await readStoredContainers(t.db, [{ fn: receipt.fn, fd: receipt.fd }]);
    expect(forFns.get(key(receipt.fn, receipt.fd))?.rawContainer.equals(raw)).toBe(true);

    fresh();
    expect(await readReceiptSale(t.db, receipt.fn, receipt.fd)).toBeDefined();

    fresh();
    expect((await loadReceiptSource(t.db, receipt.fn, receipt.fd))?.fns_json).toEqual(expectedJson);

    fresh();
    const locked = await t.db.transaction().execute((trx) => lockDocumentsForRebuild(trx, { fn: receipt.fn, limit: 1000 }));
    expect(locked.length).toBeGreaterThan(0);
    for (const d of locked) expect(d.raw_container.equals(sent.get(key(d.fn, d.fd))!)).toBe(true);

    fresh();
    const copy = { fn: receipt.fn, fd: receipt.fd, sessionHeader: null, receivedAt: receipt.receivedAt, signStatus: 'verified', crypto: 'devsign' };
    expect(await recordConflictingCopies(t.db, [{ ...copy, raw }])).toBe(0);
    fresh();
    expect(await recordConflictingCopies(t.db, [{ ...copy, raw: Buffer.concat([raw, Buffer.from([0])]) }])).toBe(1);

    // Rebuilding the rollups from the stored rows decodes every sale's items: the same rollups as the persist worker wrote.
    const rollups = async () =>
      (await sql<{ row: string }>`select row(r.*)::text as row from report_item_daily_ids r order by 1`.execute(t.db)).rows.map((r) => r.row);
    const before = await rollups();
    expect(before.length).toBeGreaterThan(0);
    fresh();
    await rebuildRollups(t.db, { from: '2000-01-01', to: '2100-01-01' });
    expect(await rollups()).toEqual(before);

    fresh();
    const register = await t.db.selectFrom('registers').select(['organization_id', 'registration_number']).where('registration_number', 'is not', null).executeTakeFirstOrThrow();
    const prefill = await kktPrefill(t.db, register.organization_id!, register.registration_number!);
    expect(prefill?.lastRegistrationReport?.fields).toBeDefined();

    fresh();
    const table = receiptExportTable(t.db, { inns: 'all', fn: receipt.fn }, { items: true });
    let items = 0;
    for await (const r of table.rows) if (r['itemName'] !== undefined) items += 1;
    expect(items).toBeGreaterThan(0);
  });

  it('gives two workers racing for a new drive one context, and both their batches read back', async () => {
    const other = await fleetJobs(1, 40, 'raw-contexts-race', Date.parse('2026-12-01T12:00:00Z'));
    const receipts = other.filter((j) => RECEIPT_FORMS.has(j.form));
    expect(receipts.length).toBeGreaterThan(10);
    for (const j of receipts) sent.set(key(j.fn, j.fd), Buffer.from(j.container, 'base64'));
    const [a, b] = [createPersistProcessor({ db: t.db, logger: silentLogger() }), createPersistProcessor({ db: t.db, logger: silentLogger() })];
    const half = Math.floor(receipts.length / 2);
    const results = await Promise.all([a(receipts.slice(half)), b(receipts.slice(0, half))]);
    expect(results.flat().every((r) => r.ok)).toBe(true);
    const fn = receipts[0]!.fn;
    expect(await t.db.selectFrom('raw_contexts').select('fn').where('fn', '=', fn).execute()).toHaveLength(1);
    const rows = (await storedRows()).filter((r) => r.fn === fn);
    expect(rows).toHaveLength(receipts.length);
    forgetRawContexts();
    await loadRawContexts(t.db, rows);
    const context = await t.db.selectFrom('raw_contexts').select('fd').where('fn', '=', fn).executeTakeFirstOrThrow();
    for (const r of rows) {
      expect(r.raw_codec).toBe(r.fd === context.fd ? 1 : 2);
      expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(Buffer.from(receipts.find((j) => j.fd === r.fd)!.container, 'base64'))).toBe(true);
    }
  });

  it('keeps storing a drive whose context is damaged (without it), and packs again when its contexts are gone under it', async () => {
    const drive = await fleetJobs(1, 60, 'raw-contexts-writer', Date.parse('2026-12-01T12:00:00Z'));
    const fn = drive[0]!.fn;
    const other = await createTestDatabase();
    const rowsOf = async (fds: readonly DocumentJob[]) =>
      (await sql<StoredRow>`select fn, fd, form, raw_container, raw_codec from documents order by fd`.execute(other.db)).rows.filter((r) => fds.some((j) => j.fd === r.fd));
    const contextRow = () => other.db.selectFrom('raw_contexts').select(['fd', 'container', 'raw_codec']).where('fn', '=', fn).executeTakeFirstOrThrow();
    try {
      const worker = createPersistProcessor({ db: other.db, logger: silentLogger() });
      expect((await worker(drive.slice(0, 20))).every((r) => r.ok)).toBe(true);
      const first = await contextRow();

      // Gone (as after a database migrated down and up again under this worker, which remembers it): the batch fails
      // before writing anything, and its retry makes a new context, which its documents read back with.
      await tamper(other.db, sql`delete from raw_contexts where fn = ${fn}`);
      await expect(worker(drive.slice(20, 30))).rejects.toMatchObject({ code: 'DB_RAW_CONTEXT_MISSING' });
      expect(await rowsOf(drive.slice(20, 30))).toEqual([]);
      expect((await worker(drive.slice(20, 30))).every((r) => r.ok)).toBe(true);
      const remade = await contextRow();
      expect(remade.fd).toBeGreaterThan(first.fd);
      const retried = await rowsOf(drive.slice(20, 30));
      expect(retried.filter((r) => r.raw_codec === 2).length).toBeGreaterThan(5);
      forgetRawContexts();
      await loadRawContexts(other.db, retried);
      for (const r of retried) expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(Buffer.from(drive.find((j) => j.fd === r.fd)!.container, 'base64'))).toBe(true);

      // Damaged so that it does not even inflate (its first block's type made the reserved one, zlib's Z_DATA_ERROR):
      // a worker that has not seen it stores the drive's next documents without a context, ...
      expect(remade.raw_codec).toBe(1);
      const flipped = Buffer.from(remade.container);
      flipped[0] = 0x07;
      await tamper(other.db, sql`update raw_contexts set container = ${flipped} where fn = ${fn}`);
      forgetRawContexts();
      const next = createPersistProcessor({ db: other.db, logger: silentLogger() });
      expect((await next(drive.slice(30, 40))).every((r) => r.ok)).toBe(true);
      const stored = await rowsOf(drive.slice(30, 40));
      expect(stored.map((r) => r.raw_codec)).toEqual(drive.slice(30, 40).map(() => 1));
      // ... a re-send of a document packed with it cannot be compared, and is kept as a conflicting copy (the batch
      // stores the rest) ...
      const packedWithIt = retried.find((r) => r.raw_codec === 2)!;
      const resent = drive.find((j) => j.fd === packedWithIt.fd)!;
      expect((await next([resent, drive[40]!])).map((r) => r.ok)).toEqual([true, true]);
      const conflicts = await sql<{ fd: string }>`select fd::text from document_conflicts where fn = ${fn}`.execute(other.db);
      expect(conflicts.rows.map((r) => Number(r.fd))).toEqual([resent.fd]);
      // ... and the fns worker's read fails that document alone, saying why.
      const forFns = await readStoredContainers(other.db, [{ fn, fd: packedWithIt.fd }, { fn, fd: drive[40]!.fd }]);
      expect(forFns.get(key(fn, packedWithIt.fd))?.unreadable?.code).toBe('DB_RAW_CONTEXT_DAMAGED');
      expect(forFns.get(key(fn, drive[40]!.fd))?.rawContainer.equals(Buffer.from(drive[40]!.container, 'base64'))).toBe(true);
    } finally {
      await other.drop();
    }
  });

  it('refuses to read a damaged or missing context, naming it', async () => {
    const row = (await storedRows()).find((r) => r.raw_codec === 2)!;
    const original = await t.db.selectFrom('raw_contexts').select([sql<string>`key::text`.as('key'), 'fn', 'fd', 'container', 'raw_codec']).where('fn', '=', row.fn).executeTakeFirstOrThrow();
    const restore = async () => {
      await tamper(t.db, sql`delete from raw_contexts where fn = ${row.fn}`);
      await sql`insert into raw_contexts (key, fn, fd, container, raw_codec) values (${original.key}::bigint, ${original.fn}, ${original.fd}, ${original.container}, ${original.raw_codec})`.execute(t.db);
    };
    try {
      await tamper(t.db, sql`update raw_contexts set container = ${Buffer.concat([unpackRawContainer(original.container, original.raw_codec), Buffer.from([0])])}, raw_codec = null where fn = ${row.fn}`);
      forgetRawContexts();
      await expect(loadRawContexts(t.db, [row])).rejects.toMatchObject({ code: 'DB_RAW_CONTEXT_DAMAGED' });
      await tamper(t.db, sql`delete from raw_contexts where fn = ${row.fn}`);
      forgetRawContexts();
      await expect(loadRawContexts(t.db, [row])).rejects.toMatchObject({ code: 'DB_RAW_CONTEXT_MISSING', message: expect.stringContaining(original.key) });
    } finally {
      await restore();
    }
    forgetRawContexts();
    await loadRawContexts(t.db, [row]);
    expect(unpackRawContainer(row.raw_container, row.raw_codec).equals(sent.get(key(row.fn, row.fd))!)).toBe(true);
  });

  it('refuses to change, delete or empty a context in the database itself (migration 0082)', async () => {
    const before = await sql<{ key: string; fn: string; container: Buffer }>`select key::text, fn, container from raw_contexts order by key`.execute(t.db);
    expect(before.rows.length).toBeGreaterThan(1);
    const { fn } = before.rows[0]!;
    for (const statement of [
      sql`update raw_contexts set container = container || '\\x00'::bytea where fn = ${fn}`,
      sql`update raw_contexts set fd = fd where fn = ${fn}`,
      sql`delete from raw_contexts where fn = ${fn}`,
    ]) {
      await expect(statement.execute(t.db)).rejects.toMatchObject({ code: '23001', message: expect.stringContaining(`fiscal drive ${fn}`) });
    }
    await expect(sql`truncate raw_contexts`.execute(t.db)).rejects.toMatchObject({ code: '23001', message: expect.stringContaining('never emptied') });
    expect((await sql<{ key: string; fn: string; container: Buffer }>`select key::text, fn, container from raw_contexts order by key`.execute(t.db)).rows).toEqual(before.rows);
  });

  it('goes down repacking every container with the dictionary alone, byte for byte, and up again', async () => {
    const names = Object.keys(migrations).sort();
    const before = await storedRows();
    expect(before.filter((r) => r.raw_codec === 2).length).toBeGreaterThan(100);

    // A context missing: going down refuses, and changes nothing.
    const gone = await t.db.selectFrom('raw_contexts').select([sql<string>`key::text`.as('key'), 'fn', 'fd', 'container', 'raw_codec']).where('fn', '=', before.find((r) => r.raw_codec === 2)!.fn).executeTakeFirstOrThrow();
    await tamper(t.db, sql`delete from raw_contexts where fn = ${gone.fn}`);
    await expect(migrateDown(t.db, names.length - names.indexOf('0081_raw_contexts'))).rejects.toThrow(/raw_contexts does not hold/);
    expect((await storedRows()).map((r) => r.raw_codec)).toEqual(before.map((r) => r.raw_codec));
    // One transaction: the migrations after 0081 that were reverted before it failed are applied again (0082's triggers).
    expect((await listMigrations(t.db)).filter((m) => m.executedAt !== undefined).map((m) => m.name)).toEqual(names);
    expect((await sql<{ n: number }>`select count(*)::int as n from pg_trigger where tgrelid = 'raw_contexts'::regclass and tgname like 'raw_contexts_kept%'`.execute(t.db)).rows[0]!.n).toBe(2);
    await sql`insert into raw_contexts (key, fn, fd, container, raw_codec) values (${gone.key}::bigint, ${gone.fn}, ${gone.fd}, ${gone.container}, ${gone.raw_codec})`.execute(t.db);

    await migrateDown(t.db, names.length - names.indexOf('0081_raw_contexts'));
    const check = sql<{ def: string }>`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'documents_raw_codec_check' and conrelid = 'documents'::regclass`;
    expect((await check.execute(t.db)).rows[0]?.def).toMatch(/raw_codec = 1/);
    expect((await sql<{ found: string | null }>`select to_regclass('raw_contexts')::text as found`.execute(t.db)).rows[0]?.found).toBeNull();
    const after = await storedRows();
    expect(after.map((r) => key(r.fn, r.fd))).toEqual(before.map((r) => key(r.fn, r.fd)));
    forgetRawContexts();
    for (const r of after) {
      expect(r.raw_codec).toBe(1);
      // Codec 1 needs no context: nothing is loaded.
      expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(sent.get(key(r.fn, r.fd))!)).toBe(true);
    }

    await migrateToLatest(t.db);
    expect((await check.execute(t.db)).rows[0]?.def).toMatch(/ARRAY\[1, 2\]/);
    // A new drive's receipts are packed with its context again.
    const more = (await fleetJobs(1, 10, 'raw-contexts-up-again', Date.parse('2026-12-01T12:00:00Z'))).filter((j) => RECEIPT_FORMS.has(j.form));
    expect((await createPersistProcessor({ db: t.db, logger: silentLogger() })(more)).every((r) => r.ok)).toBe(true);
    const again = (await storedRows()).filter((r) => r.fn === more[0]!.fn);
    expect(again.map((r) => r.raw_codec)).toEqual(more.map((j, i) => (i === 0 ? 1 : 2)));
  });

  it('repacks a detached month going down too, and a month detached before going up can be attached again', async () => {
    const names = Object.keys(migrations).sort();
    const steps = names.length - names.indexOf('0081_raw_contexts');
    const other = await createTestDatabase();
    try {
      const month = (await fleetJobs(2, 30, 'raw-contexts-detached', Date.parse('2026-11-20T12:00:00Z'))).filter((j) => j.receivedAt.startsWith('2026-11'));
      expect(month.length).toBeGreaterThan(20);
      expect((await createPersistProcessor({ db: other.db, logger: silentLogger() })(month)).every((r) => r.ok)).toBe(true);
      const detached = await detachMonth(other.db, '2026-11', { now: new Date('2032-01-01T00:00:00Z') });
      expect(detached).toContain('documents_p202611');
      const rows = async () => (await sql<StoredRow>`select fn, fd, form, raw_container, raw_codec from documents_p202611 order by fn, fd`.execute(other.db)).rows;
      expect((await rows()).filter((r) => r.raw_codec === 2).length).toBeGreaterThan(10);

      await migrateDown(other.db, steps);
      forgetRawContexts();
      const down = await rows();
      expect(down).toHaveLength(month.length);
      for (const r of down) {
        expect(r.raw_codec).toBe(1);
        expect(unpackRawContainer(r.raw_container, r.raw_codec).equals(Buffer.from(month.find((j) => j.fn === r.fn && j.fd === Number(r.fd))!.container, 'base64'))).toBe(true);
      }
      // Up again with the month still detached: its check is replaced as well, so it can be attached again.
      await migrateToLatest(other.db);
      for (const table of detached) {
        const parent = table.replace(/_p202611$/, '');
        await sql`alter table ${sql.table(parent)} attach partition ${sql.table(table)} for values from ('2026-11-01 00:00:00+00') to ('2026-12-01 00:00:00+00')`.execute(other.db);
      }
      expect(await findStoredDocument(other.db, month[0]!.fn, month[0]!.fd)).toBeDefined();
    } finally {
      await other.drop();
    }
  });
});
