// Issue 13, items 8, 9 and 12 and the first five minutes: links in e-mails from the configured origin only, brute force
// per account shared by every API process (Redis), equal answers and timing for known and unknown e-mails, pinned JWTs,
// no-store on authenticated answers, and a sign-up without SMTP that tells the truth.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { buildApp } from '../../../src/api/app.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { freePort } from '../../support/redis-process.js';
import { ADMIN_TOKEN, bearer, PASSWORD, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi({ loginLockout: { maxFailures: 5, windowMs: 60_000, baseLockMs: 5_000 }, authRateLimit: { max: 1000, timeWindowMs: 60_000 } });
});
afterAll(() => h.close());

const login = (app: ApiHarness['app'], email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

describe('links in e-mails', () => {
  it('come from the configured public URL whatever Host the request names', async () => {
    await userToken(h, 'host-victim@example.test');
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' },
      payload: { email: 'host-victim@example.test' },
    });
    expect(r.statusCode).toBe(202);
    const mail = await h.smtp.next('host-victim@example.test');
    // The cabinet's set-new-password page, on the configured origin.
    expect(mail.text).toContain('https://cabinet.ofd.test/reset-password?token=');
    expect(mail.text).not.toContain('attacker.example');
  });
});

describe('brute force', () => {
  it('locks an account after 5 failures from any address, e-mails it once, and answers unknown e-mails alike', async () => {
    const email = 'brute@example.test';
    await userToken(h, email);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await login(h.app, email, `Wrong-pass${i}`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401]);
    const locked = await login(h.app, email, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'LOGIN_LOCKED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const notice = await h.smtp.next(email);
    expect(notice.subject).toContain('заблокирован');

    const unknown = 'nobody-brute@example.test';
    for (let i = 0; i < 5; i++) expect((await login(h.app, unknown, `Wrong-pass${i}`)).statusCode).toBe(401);
    const unknownLocked = await login(h.app, unknown, PASSWORD);
    expect(unknownLocked.statusCode).toBe(429);
    expect(unknownLocked.json()).toEqual({ ...locked.json(), message: unknownLocked.json<{ message: string }>().message });
  });

  it('shares the count between API processes through Redis', async () => {
    const email = 'shared-brute@example.test';
    await userToken(h, email);
    const second = buildApp({
      metrics: createMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'silent' }),
      readiness: [],
      db: h.database.db,
      jwtSecret: 'jwt-secret-for-tests',
      publicUrl: 'https://cabinet.ofd.test',
      redis: h.redis,
      redisPrefix: h.redisPrefix,
      loginLockout: { maxFailures: 5, windowMs: 60_000, baseLockMs: 5_000 },
    });
    try {
      for (let i = 0; i < 3; i++) expect((await login(h.app, email, 'Wrong-pass1')).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) expect((await login(second, email, 'Wrong-pass1')).statusCode).toBe(401);
      expect((await login(h.app, email, PASSWORD)).statusCode).toBe(429);
      expect((await login(second, email, PASSWORD)).statusCode).toBe(429);
    } finally {
      await second.close();
    }
  });

  it('a login while the limits store (Redis) does not answer is a typed 503 that says what to do, never a 500', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const app = buildApp({
      metrics: createMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'silent' }),
      readiness: [],
      db: h.database.db,
      jwtSecret: 'jwt-secret-for-tests',
      publicUrl: 'https://cabinet.ofd.test',
      redis: dead,
      redisPrefix: h.redisPrefix,
    });
    try {
      const r = await login(app, 'nobody-while-redis-is-down@example.test', PASSWORD);
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'LIMITS_UNAVAILABLE', message: expect.stringContaining('Redis') });
    } finally {
      await app.close();
      dead.disconnect();
    }
  });

  it('shares the per-address limit of the auth routes between API processes', async () => {
    const apps = [0, 1].map(() =>
      buildApp({
        metrics: createMetrics({ defaultMetrics: false }),
        logger: createLogger({ level: 'silent' }),
        readiness: [],
        db: h.database.db,
        publicUrl: 'https://cabinet.ofd.test',
        redis: h.redis,
        redisPrefix: `${h.redisPrefix}-ip`,
        authRateLimit: { max: 3, timeWindowMs: 60_000 },
      }),
    );
    try {
      const codes: number[] = [];
      for (const app of [apps[0]!, apps[1]!, apps[0]!, apps[1]!]) {
        codes.push((await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'x@example.test' } })).statusCode);
      }
      expect(codes).toEqual([202, 202, 202, 429]);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});

describe('password reset and confirmation resend', () => {
  it('answer known and unknown e-mails alike and as fast, even with a slow mail server', async () => {
    // A mail server that takes 600 ms per message: an answer that waits for it tells a registered e-mail apart.
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => setTimeout(() => callback(), 600));
      },
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${(slow.server.address() as { port: number }).port}` });
    const s = await startApi({ email });
    try {
      await s.database.db
        .insertInto('users')
        .values([
          { email: 'known-active@example.test', password_hash: 'x', status: 'active' },
          { email: 'known-pending@example.test', password_hash: 'x', status: 'pending' },
        ])
        .execute();
      const timed = async (url: string, address: string) => {
        const started = performance.now();
        const r = await s.app.inject({ method: 'POST', url, payload: { email: address } });
        return { ms: performance.now() - started, status: r.statusCode, body: r.body };
      };
      for (const [url, known] of [
        ['/api/v1/auth/password-reset', 'known-active@example.test'],
        ['/api/v1/auth/confirm/resend', 'known-pending@example.test'],
      ] as const) {
        const k = await timed(url, known);
        const u = await timed(url, 'unknown-person@example.test');
        expect([k.status, k.body]).toEqual([u.status, u.body]);
        expect(k.ms).toBeLessThan(300);
        expect(Math.abs(k.ms - u.ms)).toBeLessThan(250);
      }
    } finally {
      await s.close();
      await email.close();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});

describe('session tokens', () => {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const sign = (header: object, claims: object, secret = 'jwt-secret-for-tests') => {
    const alg = (header as { alg: string }).alg === 'HS512' ? 'sha512' : 'sha256';
    const body = `${b64(header)}.${b64(claims)}`;
    return `${body}.${createHmac(alg, secret).update(body).digest('base64url')}`;
  };

  it('are HS256 with an expiry, or refused', async () => {
    const { userId } = await userToken(h, 'jwt-user@example.test');
    const now = Math.floor(Date.now() / 1000);
    const good = sign({ alg: 'HS256', typ: 'JWT' }, { sub: String(userId), tv: 0, iat: now, exp: now + 600 });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(good) })).statusCode).toBe(200);
    const noExp = sign({ alg: 'HS256', typ: 'JWT' }, { sub: String(userId), tv: 0, iat: now });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(noExp) })).statusCode).toBe(401);
    const otherAlg = sign({ alg: 'HS512', typ: 'JWT' }, { sub: String(userId), tv: 0, iat: now, exp: now + 600 });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(otherAlg) })).statusCode).toBe(401);
  });

  it('answers to callers with credentials are Cache-Control: no-store; public ops answers are not', async () => {
    for (const url of ['/api/v1/me', '/api/v1/documents', '/api/v1/organizations']) {
      const r = await h.app.inject({ method: 'GET', url, headers: bearer(ADMIN_TOKEN) });
      expect(r.statusCode).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
    }
    const denied = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer('wrong-token') });
    expect(denied.headers['cache-control']).toBe('no-store');
    expect((await h.app.inject({ method: 'GET', url: '/health/live' })).headers['cache-control']).toBeUndefined();
  });
});

describe('sign-up without SMTP', () => {
  async function withoutSmtp(mode: 'development' | 'production') {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const s = await startApi({ email: undefined, mode, logger: createLogger({ level: 'info', destination }) });
    return { s, lines };
  }

  it('in development logs the link at info, says no e-mail went out, and the link works', async () => {
    const { s, lines } = await withoutSmtp('development');
    try {
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'dev@example.test', password: PASSWORD } });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({ confirmation: 'not_configured' });
      expect(r.json<{ message: string }>().message).toContain('журнал');
      const logged = lines.find((l) => typeof l['link'] === 'string');
      expect(logged?.['level']).toBe(30);
      const link = String(logged!['link']);
      // The cabinet's confirmation page, which sends the token to POST /auth/confirm.
      expect(link.startsWith('https://cabinet.ofd.test/confirm-email?token=')).toBe(true);
      const pending = await login(s.app, 'dev@example.test', PASSWORD);
      expect(pending.json<{ message: string }>().message).not.toContain('we sent');
      expect(pending.json<{ message: string }>().message).toContain('SMTP_URL');
      const token = new URL(link).searchParams.get('token');
      expect([200, 204]).toContain((await s.app.inject({ method: 'POST', url: '/api/v1/auth/confirm', payload: { token } })).statusCode);
      expect((await login(s.app, 'dev@example.test', PASSWORD)).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('in production never logs the link', async () => {
    const { s, lines } = await withoutSmtp('production');
    try {
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'prod@example.test', password: PASSWORD } });
      expect(r.json()).toMatchObject({ confirmation: 'not_configured' });
      expect(JSON.stringify(lines)).not.toContain('token=');
    } finally {
      await s.close();
    }
  });
});
