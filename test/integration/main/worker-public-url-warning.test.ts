// A production worker without OFD_PUBLIC_URL starts (it needs no public address to store and forward) but says at start
// what it makes poorer: e-mail links to localhost, SMS and Viber receipts with the QR string instead of a link.
import pino from 'pino';
import { afterEach, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { start, type Running } from '../../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';

let running: Running | undefined;
let database: TestDatabase | undefined;
let prefix: string | undefined;

afterEach(async () => {
  await running?.close();
  await database?.drop();
  if (prefix) await deleteKeysWithPrefix(inject('redisUrl'), prefix);
  running = database = prefix = undefined;
});

/** Starts the worker role alone with these extra variables; returns the messages it logged at warn level. */
async function startWorker(extra: Record<string, string>): Promise<string[]> {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('public-url-warning');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const config = loadConfig({ NODE_ENV: 'production', OFD_ROLES: 'worker', DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), OFD_QUEUE_PREFIX: prefix, ...extra });
  running = await start(config, logger);
  return lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
}

it('warns once at start when a production worker has no OFD_PUBLIC_URL, naming what to set', async () => {
  const warnings = (await startWorker({})).filter((m) => m.startsWith('OFD_PUBLIC_URL is not set'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('SMS and Viber e-receipts carry the QR string instead of a link');
  expect(warnings[0]).toContain("set it to the cabinet's public address");
});

it('says nothing of it when OFD_PUBLIC_URL is set', async () => {
  const warnings = await startWorker({ OFD_PUBLIC_URL: 'https://cabinet.ofd.test' });
  expect(warnings.filter((m) => m.includes('OFD_PUBLIC_URL'))).toEqual([]);
});
