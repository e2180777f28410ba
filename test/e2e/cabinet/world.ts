// The world the cabinet's browser journeys run in: the whole process as `npm start` runs it (gateway, worker and api
// roles in-process, real PostgreSQL and Redis), the built cabinet (dist/cabinet, built here when missing), a real SMTP
// sink, the fake FNS and CRPT, documents of two customers sent through the gateway by the project's emulator, and
// Debian's Chromium driven by playwright-core.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchChromium, openBrowserTab } from '../support/browser.js';
import { startFakeCrpt, type FakeCrpt } from '../../../src/adapters/crpt/fake-crpt-server.js';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { freePort } from '../../support/redis-process.js';
import { loadConfig } from '../../../src/config.js';
import { makeRegisterIdentity } from '../../../src/emulator/register-identity.js';
import { runEmulator } from '../../../src/emulator/run-emulator.js';
import { start, type Running } from '../../../src/main.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { ADMIN_TOKEN, startSmtpSink, type SmtpSink } from '../../integration/api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../../integration/queue/queue-test-helpers.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

export { CHROMIUM } from '../support/browser.js';
export const ARTIFACTS = 'test/e2e/cabinet-artifacts';

export const SEED = 'cabinet-e2e';
/** Six registers: the emulator gives three to each owner, so registers 0–2 are customer A's and 3–5 customer B's. */
export const REGISTERS = 6;
export const DOCUMENTS_PER_REGISTER = 40;

export interface Customer {
  inn: string;
  organizationId: number;
  registrationNumbers: string[];
  fns: string[];
}

export interface World {
  base: string;
  running: Running;
  smtp: SmtpSink;
  database: TestDatabase;
  browser: Browser;
  a: Customer;
  b: Customer;
  /** An API call as the operator. */
  operator<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>;
  close(): Promise<void>;
}

function customer(first: number): Omit<Customer, 'organizationId'> {
  const ids = [first, first + 1, first + 2].map((i) => makeRegisterIdentity(i, { seed: SEED, ffd12Share: 1 }));
  return { inn: ids[0]!.userInn, registrationNumbers: ids.map((i) => i.kktRegId), fns: ids.map((i) => i.fiscalDriveNumber) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function ensureCabinetBuilt(): void {
  if (existsSync('dist/cabinet/index.html')) return;
  execFileSync('npm', ['run', 'build:cabinet'], { stdio: 'inherit' });
}

/** `env`: more settings for this world's process (e.g. OFD_OPERATOR_EMAILS), over the defaults below. */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  ensureCabinetBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  const database = await createTestDatabase({ migrate: false });
  const prefix = uniquePrefix('e2e-cabinet');
  const smtp = await startSmtpSink();
  const fns: FakeFns = await startFakeFns();
  const crpt: FakeCrpt = await startFakeCrpt();
  // A known port: OFD_PUBLIC_URL, the only origin of e-mailed links (never the Host header), must name it.
  const httpPort = await freePort();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: String(httpPort),
    OFD_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    // Every journey signs in from 127.0.0.1: a whole file of them is more than a minute's share of one address.
    OFD_AUTH_REQUESTS_PER_MINUTE: '1000',
    OFD_ADMIN_TOKEN: ADMIN_TOKEN,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    FNS_URL: fns.url,
    CRPT_URL: crpt.url,
    ...env,
  });
  const running = await start(config, silentLogger());
  const base = `http://127.0.0.1:${running.httpPort}`;
  const operator = async <T>(method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: (r.status === 204 ? {} : await r.json()) as T };
  };

  const summary = await runEmulator({
    host: '127.0.0.1',
    port: running.gatewayPort!,
    markingPort: running.markingPort,
    registers: REGISTERS,
    documentsPerRegister: DOCUMENTS_PER_REGISTER,
    seed: SEED,
    ffd12Share: 1,
    markedShare: 0.5,
    emailShare: 0.5,
    correctionShare: 0,
  });
  if (summary.acknowledged !== summary.documents) throw new Error(`emulator: ${summary.acknowledged} of ${summary.documents} acknowledged`);
  await until('every document stored', async () => {
    const n = (await database.pool.query<{ n: number }>('select count(*)::int as n from documents')).rows[0]!.n;
    return n >= summary.documents ? n : undefined;
  });

  const org = async (c: Omit<Customer, 'organizationId'>, name: string): Promise<Customer> => {
    const r = await operator<{ id: number }>('POST', '/api/v1/organizations', { inn: c.inn, name });
    if (r.status !== 200 && r.status !== 201) throw new Error(`organization ${r.status}`);
    return { ...c, organizationId: r.json.id };
  };
  const a = await org(customer(0), 'ООО «Покупатель А»');
  const b = await org(customer(3), 'ООО «Чужая Б»');
  const browser = await launchChromium();

  return {
    base,
    running,
    smtp,
    database,
    browser,
    a,
    b,
    operator,
    async close() {
      await browser.close().catch(() => {});
      await running.close();
      await Promise.all([smtp.close(), fns.close(), crpt.close()]);
      await database.drop();
      await deleteKeysWithPrefix(inject('redisUrl'), prefix);
    },
  };
}

export interface Tab {
  context: BrowserContext;
  page: Page;
}

export async function openTab(world: World, viewport = { width: 1280, height: 860 }): Promise<Tab> {
  // A step takes well under a second on a quiet machine; 30 s only tells a broken screen from a CI machine at load
  // average 20 (15 s once ran out there while the page was still loading).
  return openBrowserTab(world.browser, { baseURL: world.base, viewport, stepTimeoutMs: 30_000 });
}

export { until };
