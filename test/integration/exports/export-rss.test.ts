// Streamed receipt export, measured: 100 000 receipts (a tenth of the million; the benchmark does the million)
// exported as xlsx by an API process of its own; its peak resident set must stay under 300 MB, and the file must hold
// every receipt (read back with exceljs's streaming reader, so the test's own memory stays flat too). Bounded, not just
// small: the process's resident set once a quarter of the rows has arrived is compared with its peak over the rest —
// an export that kept rows (or zipped output nobody reads) would grow with them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { seedReceipts } from './seed-receipts.js';

const N = 100_000;
const MB = 1024 * 1024;
const INN = withInnCheckDigits('770300994');
let t: TestDatabase;
let child: ChildProcess | undefined;
let orgId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  orgId = (await t.db.insertInto('organizations').values({ inn: INN, name: 'ООО Миллион' }).returning('id').executeTakeFirstOrThrow()).id;
  await seedReceipts(t.db, INN, N);
}, 240_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await t?.drop();
});

describe('streamed receipt export', () => {
  it(`xlsx of ${N} receipts: every row arrives, the export adds under 150 MB to the API process and stays flat while the rows pass`, { timeout: 300_000 }, async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/exports/export-rss-child.ts'], {
      env: { ...process.env, DATABASE_URL: t.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    while (!/port \d+/.test(out)) {
      if (child.exitCode !== null) throw new Error('the API process exited');
      await new Promise((r) => setTimeout(r, 50));
    }
    const port = Number(/port (\d+)/.exec(out)![1]);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/documents/export?organizationId=${orgId}&format=xlsx`, {
      headers: { authorization: 'Bearer operator-token-for-tests-0123456789' },
    });
    expect(res.status).toBe(200);
    const t0 = Date.now();
    let rows = 0;
    let atQuarter = 0;
    const samples = () => [...out.matchAll(/sample (\d+)/g)].map((m) => Number(m[1]));
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.fromWeb(res.body! as never), { worksheets: 'emit', sharedStrings: 'cache' });
    for await (const sheet of reader) {
      for await (const row of sheet) {
        if (row && ++rows === N / 4) atQuarter = Math.max(...samples());
      }
    }
    const lastQuarters = Math.max(...samples());
    child.kill('SIGTERM');
    await once(child, 'exit');
    const peak = Number(/maxrss (\d+)/.exec(out)?.[1]);
    const atStart = Number(/rss (\d+)/.exec(out)?.[1]);
    console.log(`export of ${N} receipts: ${Date.now() - t0} ms, API peak RSS ${(peak / MB).toFixed(0)} MB (at start ${(atStart / MB).toFixed(0)} MB)`);
    expect(rows).toBe(N + 2); // header, the receipts, totals
    expect(peak).toBeGreaterThan(0);
    // The child compiles its sources with tsx, ≈ 100 MB a built API process does not carry (175 MB at start here), so
    // the bound is on what the export adds to the process, and a ceiling for the whole of it.
    expect(peak - atStart).toBeLessThan(150 * MB);
    console.log(`RSS at a quarter of the rows ${(atQuarter / MB).toFixed(0)} MB, highest after ${(lastQuarters / MB).toFixed(0)} MB`);
    expect(atQuarter).toBeGreaterThan(0);
    expect(lastQuarters - atQuarter).toBeLessThan(60 * MB);
    expect(peak).toBeLessThan(400 * MB);
  });
});
