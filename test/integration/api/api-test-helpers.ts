// The API against a real PostgreSQL (a database of its own) and a real SMTP listener in-process (smtp-server), with
// documents stored by the real persist processor from real signed containers.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { buildApp, type AppDeps } from '../../../src/api/app.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { ascii, signedMessage, stlv, u32, u8, vln, fvln, LOCAL_TIME } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';

export const REDIS_URL = inject('redisUrl');

export const ADMIN_TOKEN = 'operator-token-for-tests-0123456789';
export const PASSWORD = 'Secret-pass1';

export interface SmtpSink {
  port: number;
  /** Messages accepted. */
  mails: ParsedMail[];
  /** Recipients of every message offered (DATA), accepted or refused, in order. */
  offered: string[][];
  /** The next mail to `to` (waits for it). */
  next(to: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /**
   * Decides per message (by its recipients) to refuse it with an SMTP reply code — 451 (try again later) or 550
   * (refused for good) — instead of accepting it; undefined accepts.
   */
  refuse?: (recipients: string[]) => number | undefined;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const offered: string[][] = [];
  const taken = new Set<ParsedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((a) => a.address.toLowerCase());
      offered.push(to);
      const code = options.refuse?.(to);
      if (code !== undefined) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error(`refused by the test sink (${code})`), { responseCode: code })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch((e: unknown) => callback(e as Error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const recipient = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()));
  return {
    port,
    mails,
    offered,
    async next(to, timeoutMs = 5000) {
      const started = Date.now();
      for (;;) {
        const m = mails.find((x) => !taken.has(x) && recipient(x).includes(to.toLowerCase()));
        if (m) {
          taken.add(m);
          return m;
        }
        if (Date.now() - started > timeoutMs) throw new Error(`no e-mail to ${to}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RouteEntry {
  method: string;
  url: string;
  public: boolean;
}

export interface ApiHarness {
  app: FastifyInstance;
  /** Every route the app registered (from its onRoute hook), HEAD included. */
  routes: RouteEntry[];
  database: TestDatabase;
  smtp: SmtpSink;
  /** The API's shared limits (a key prefix of this harness only). */
  redis: Redis;
  redisPrefix: string;
  close(): Promise<void>;
}

export async function startApi(overrides: Partial<AppDeps> = {}): Promise<ApiHarness> {
  const database = await createTestDatabase();
  const smtp = await startSmtpSink();
  const email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'OFD <no-reply@ofd.test>' });
  const redisPrefix = uniquePrefix('api');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const app = buildApp({
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    readiness: [],
    db: database.db,
    adminToken: ADMIN_TOKEN,
    jwtSecret: 'jwt-secret-for-tests',
    email,
    publicUrl: 'https://cabinet.ofd.test',
    redis,
    redisPrefix,
    ...overrides,
  });
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, public: r.config?.public === true });
  });
  await app.ready();
  return {
    app,
    routes,
    database,
    smtp,
    redis,
    redisPrefix,
    async close() {
      await app.close();
      await email.close();
      await smtp.close();
      await database.drop();
      await deleteKeysWithPrefix(REDIS_URL, redisPrefix);
      redis.disconnect();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const asOperator = bearer(ADMIN_TOKEN);

export function json<T = Record<string, unknown>>(r: LightMyRequestResponse): T {
  return r.json<T>();
}

/** Signs up, follows the e-mailed link, logs in: the session token. */
export async function userToken(h: ApiHarness, email: string, password = PASSWORD): Promise<{ token: string; userId: number }> {
  const signup = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email, password } });
  if (signup.statusCode !== 201) throw new Error(`signup ${signup.statusCode}: ${signup.body}`);
  const mail = await h.smtp.next(email);
  // The link opens the cabinet's landing page, which confirms through POST /auth/confirm.
  const token = /https:\/\/cabinet\.ofd\.test\/confirm-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  if (!token) throw new Error('no confirmation link in the e-mail');
  const confirm = await h.app.inject({ method: 'POST', url: '/api/v1/auth/confirm', payload: { token } });
  if (confirm.statusCode !== 200) throw new Error(`confirm ${confirm.statusCode}: ${confirm.body}`);
  const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login ${login.statusCode}: ${login.body}`);
  return { token: json<{ token: string }>(login).token, userId: json<{ id: number }>(signup).id };
}

export async function createOrganization(h: ApiHarness, inn: string, name = `Org ${inn}`): Promise<number> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: asOperator, payload: { inn, name } });
  if (r.statusCode !== 201 && r.statusCode !== 200) throw new Error(`organization ${r.statusCode}: ${r.body}`);
  return json<{ id: number }>(r).id;
}

export async function addMember(h: ApiHarness, organizationId: number, email: string, role: string): Promise<void> {
  const r = await h.app.inject({
    method: 'POST',
    url: `/api/v1/organizations/${organizationId}/members`,
    headers: asOperator,
    payload: { email, role },
  });
  if (r.statusCode !== 200) throw new Error(`member ${r.statusCode}: ${r.body}`);
}

export async function apiKey(h: ApiHarness, organizationId: number, scopes?: string[]): Promise<{ key: string; id: number }> {
  const r = await h.app.inject({
    method: 'POST',
    url: `/api/v1/organizations/${organizationId}/api-keys`,
    headers: asOperator,
    payload: { name: 'test key', ...(scopes ? { scopes } : {}) },
  });
  if (r.statusCode !== 201) throw new Error(`api key ${r.statusCode}: ${r.body}`);
  return json<{ key: string; id: number }>(r);
}

// ---- documents --------------------------------------------------------------------------------------------------------

export interface ReceiptSpec {
  fn: string;
  fd: number;
  inn: string;
  regId: string;
  shift?: number;
  operationType?: number;
  itemName?: string;
  price?: number;
  /** Seconds since the epoch, local time encoded as UTC (FFD). */
  time?: number;
  buyer?: string;
  place?: string;
}

const padded = (s: string, n: number) => s.padEnd(n, ' ');

/** A consistent FFD 1.05 receipt with one item. */
export function receipt(s: ReceiptSpec): Buffer[] {
  const price = s.price ?? 10000;
  return [
    ascii(1048, `OOO ${s.inn}`),
    ascii(1018, padded(s.inn, 12)),
    u32(1012, s.time ?? LOCAL_TIME),
    u32(1042, s.fd),
    u32(1038, s.shift ?? 1),
    u8(1054, s.operationType ?? 1),
    u8(1055, 1),
    ascii(1037, padded(s.regId, 20)),
    ascii(1009, 'Moscow, Tverskaya 1'),
    ascii(1187, s.place ?? 'Shop 1'),
    ascii(1021, 'Cashier'),
    stlv(1059, ascii(1030, s.itemName ?? 'Bread'), vln(1079, price), fvln(1023, 1, 0), vln(1043, price), u8(1199, 6), u8(1212, 1), u8(1214, 4)),
    vln(1020, price),
    vln(1031, price),
    vln(1081, 0),
    vln(1215, 0),
    vln(1216, 0),
    vln(1217, 0),
    vln(1105, price),
    u32(1040, s.fd),
    ascii(1041, s.fn),
    u8(1209, 2),
    ...(s.buyer ? [ascii(1008, s.buyer)] : []),
  ];
}

export interface ShiftSpec {
  fn: string;
  fd: number;
  inn: string;
  regId: string;
  shift: number;
  receipts?: number;
}

export function openShift(s: ShiftSpec): Buffer[] {
  return [
    ascii(1048, `OOO ${s.inn}`),
    ascii(1018, padded(s.inn, 12)),
    u32(1012, LOCAL_TIME - 3600),
    ascii(1037, padded(s.regId, 20)),
    u32(1038, s.shift),
    u32(1040, s.fd),
    ascii(1041, s.fn),
    ascii(1021, 'Cashier'),
    u8(1209, 2),
  ];
}

export function closeShift(s: ShiftSpec): Buffer[] {
  return [
    ascii(1048, `OOO ${s.inn}`),
    ascii(1018, padded(s.inn, 12)),
    u32(1012, LOCAL_TIME + 3600),
    ascii(1037, padded(s.regId, 20)),
    u32(1038, s.shift),
    u32(1040, s.fd),
    ascii(1041, s.fn),
    ascii(1021, 'Cashier'),
    u32(1118, s.receipts ?? 1),
    u32(1111, (s.receipts ?? 1) + 2),
    u32(1097, 0),
    u8(1209, 2),
  ];
}

export function job(fn: string, fd: number, form: number, children: Buffer[], receivedAt = new Date()): DocumentJob {
  const msg = signedMessage({ fn, fd, form, children });
  return {
    fn,
    fd,
    form,
    receivedAt: receivedAt.toISOString(),
    container: msg.subarray(30).toString('base64'),
    sessionHeader: msg.subarray(0, 30).toString('base64'),
    crypto: 'devsign',
    signStatus: 'verified',
    flk: { ok: true, codes: [] },
  };
}

/** Stores the jobs through the real persist processor. */
export async function persist(database: TestDatabase, jobs: DocumentJob[]): Promise<void> {
  const processor = createPersistProcessor({ db: database.db, logger: silentLogger() });
  const results = await processor(jobs);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
}
