// Cabinet benchmark (issue 14): the built bundle's sizes — the initial JavaScript a first visit downloads (the entry
// and the chunks index.html preloads) gzipped, against the 300 KB budget — and the first-screen time in Debian's
// Chromium with the API local: the dashboard (Главная) of a signed-in user rendered with its data, measured with the
// Performance API from navigation start, and the sign-in page of a new visitor.
//
//   npm run build && npm run bench:cabinet [-- --runs 5] [--receipts 1000000] [--list-only]
//
// The first-screen part starts the `api` role in-process on a fresh database `ofd_bench_cabinet_<hex>` (dropped at the
// end) and skips itself with a message when /usr/bin/chromium is missing.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { sql } from 'kysely';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ensureDocumentPartitions } from '../src/db/partitions.js';
import { createMetrics } from '../src/observability/metrics.js';
import { start } from '../src/main.js';
import { silentLogger } from '../src/observability/logger.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, receipts: { type: 'string', default: '0' }, 'list-only': { type: 'boolean', default: false } } });
const RUNS = Number(args.runs);
/** With --receipts N: also the receipt list's first page, server time, over N stored receipts (0: skipped). */
const RECEIPTS = Number(args.receipts);
const DIST = 'dist/cabinet';
const BUDGET_KB = 300;
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

function bundleSizes(): number {
  if (!existsSync(`${DIST}/index.html`)) throw new Error('dist/cabinet is missing: run npm run build first');
  const html = readFileSync(`${DIST}/index.html`, 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const gz = (file: string) => gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;
  const all = readdirSync(`${DIST}/assets`).filter((f) => f.endsWith('.js')).map((f) => ({ file: `assets/${f}`, raw: readFileSync(join(DIST, 'assets', f)).length, gz: gz(`assets/${f}`) }));
  const initialGz = initial.reduce((s, f) => s + gz(f), 0);
  console.log(`\n== bundle (${all.length} JS chunks, ${kb(all.reduce((s, c) => s + c.gz, 0))} gzipped in all)`);
  for (const c of all.sort((a, b) => b.gz - a.gz).slice(0, 12)) console.log(`  ${c.file.padEnd(48)} ${kb(c.raw).padStart(10)}  gz ${kb(c.gz).padStart(9)}${initial.includes(c.file) ? '  (initial)' : ''}`);
  console.log(`initial JS (entry + preloaded): ${initial.length} file(s), ${kb(initialGz)} gzipped — budget ${BUDGET_KB} KB: ${initialGz <= BUDGET_KB * 1024 ? 'OK' : 'OVER'}`);
  return initialGz;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function firstScreen(): Promise<void> {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('\n== first screen: SKIPPED (/usr/bin/chromium is missing: apt-get install -y chromium)');
    return;
  }
  const name = `ofd_bench_cabinet_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const running = await start(
    loadConfig({ OFD_ROLES: 'api', DATABASE_URL: url.toString(), REDIS_URL, OFD_QUEUE_PREFIX: `bench-cabinet-${name}`, OFD_HOST: '127.0.0.1', OFD_HTTP_PORT: '0' }),
    silentLogger(),
  );
  const base = `http://127.0.0.1:${running.httpPort}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const email = 'bench@example.test';
    const password = 'Bench-pass1';
    await fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query("update users set status = 'active', email_confirmed_at = now() where email = $1", [email]);
    await db.end();
    const signIn = await fetch(`${base}/api/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const token = /ofd_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1];
    if (!token) throw new Error(`sign-in failed: ${signIn.status}`);

    const measure = async (path: string, ready: string[], cookie: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // A fresh context per run: a first visit, nothing cached.
        const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'ru-RU' });
        if (cookie) await context.addCookies([{ name: 'ofd_session', value: token, url: base }]);
        const page = await context.newPage();
        await page.goto(`${base}${path}`);
        for (const text of ready) await page.getByText(text, { exact: true }).first().waitFor({ timeout: 30_000 });
        times.push(await page.evaluate(() => performance.now()));
        await context.close();
      }
      console.log(`  ${path.padEnd(10)} ${ready.map((r) => `"${r}"`).join(' + ')} visible after ${times.map((t) => t.toFixed(0)).join(', ')} ms — median ${median(times).toFixed(0)} ms`);
    };
    console.log(`\n== first screen (${RUNS} cold loads each, ms from navigation start, Performance API)`);
    await measure('/sign-in', ['Войти'], false);
    // The dashboard with its data: the takings (a report) and the fleet (the registers list) both answered.
    await measure('/', ['Выручка', 'На связи'], true);
  } finally {
    await browser.close();
    await running.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

if (!args['list-only']) {
  bundleSizes();
  await firstScreen();
}
if (RECEIPTS > 0) await receiptListServerTime(RECEIPTS);

/**
 * N receipts of one organization written set-based (insert … select from generate_series, as bench:reports does),
 * spread over the last N/100 seconds; then GET /api/v1/documents first pages through the real route (app.inject: the
 * server's time, no network), warm, the median of 15.
 */
async function receiptListServerTime(n: number): Promise<void> {
  const name = `ofd_bench_cabinet_list_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 4 });
  const token = 'bench-operator-token-0123456789';
  try {
    await migrateToLatest(handle.db);
    await ensureDocumentPartitions(handle.db);
    const t0 = Date.now();
    await sql`insert into organizations (inn, name) values ('7701000017', 'ООО Бенч')`.execute(handle.db);
    // One instant for both statements: document_keys and documents must agree on every (fn, fd, received_at).
    const base = new Date().toISOString();
    const fn = sql`'99990789100' || lpad((i % 100)::text, 5, '0')`;
    const receivedAt = sql`${base}::timestamptz - make_interval(secs => (${n} - i) / 100.0)`;
    const series = sql`generate_series(0::int8, ${n - 1}::int8) as g(i)`;
    await sql`insert into document_keys (fn, fd, received_at) select ${fn}, i / 100 + 1, ${receivedAt} from ${series}`.execute(handle.db);
    await sql`
      insert into documents (fn, fd, received_at, form, ffd_version, date_time, kkt_reg_id, user_inn, shift_number, request_number,
        operation_type, total_sum, cash_total_sum, ecash_total_sum, prepaid_sum, credit_sum, provision_sum, fiscal_sign, raw_container,
        sign_status, flk_status)
      select ${fn}, i / 100 + 1, ${receivedAt}, 3, 4,
        (localtimestamp - make_interval(secs => (${n} - i) / 100.0))::timestamp(0), lpad((i % 100)::text, 16, '0'), '7701000017',
        i / 5000 + 1, i % 500 + 1, case when i % 20 = 0 then 2 else 1 end, 1000 + (i * 7919) % 500000,
        case when i % 2 = 0 then 1000 + (i * 7919) % 500000 else 0 end, case when i % 2 = 1 then 1000 + (i * 7919) % 500000 else 0 end,
        0, 0, 0, (i * 104729) % 4294967295, '\\x00'::bytea, 'verified', 'passed'
      from ${series}`.execute(handle.db);
    await sql`analyze`.execute(handle.db);
    console.log(`\n== receipt list, ${n} receipts stored (written in ${((Date.now() - t0) / 1000).toFixed(1)} s), server time of the first page (50), median of 15`);
    const app = buildApp({ metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger(), readiness: [], db: handle.db, adminToken: token, cabinetDir: false, rateLimit: false });
    await app.ready();
    const time = async (label: string, path: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 18; i++) {
        const t = process.hrtime.bigint();
        const r = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
        if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        if (i >= 3) ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      console.log(`  ${label.padEnd(52)} ${median(ms).toFixed(1).padStart(8)} ms`);
    };
    await time('all receipts of the organization', '/api/v1/documents?organizationId=1&form=receipt&limit=50');
    const first = await app.inject({ method: 'GET', url: '/api/v1/documents?organizationId=1&form=receipt&limit=50', headers: { authorization: `Bearer ${token}` } });
    const cursor = (first.json() as { nextCursor: string }).nextCursor;
    await time('the next page (cursor)', `/api/v1/documents?organizationId=1&form=receipt&limit=50&cursor=${cursor}`);
    await time('returns (operationType=2)', '/api/v1/documents?organizationId=1&form=receipt&operationType=2&limit=50');
    await time('card payments over 4 000 ₽ (payment=ecash&amountMin)', '/api/v1/documents?organizationId=1&form=receipt&payment=ecash&amountMin=400000&limit=50');
    await time('one register (fn=…)', '/api/v1/documents?fn=9999078910000042&form=receipt&limit=50');
    await app.close();
  } finally {
    await handle.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
