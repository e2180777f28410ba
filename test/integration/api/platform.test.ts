// The platform: ops endpoints, OpenAPI at /docs, error bodies, helmet, CORS, rate limits.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { API_ERROR_CODES } from '../../../src/api/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { asOperator, startApi, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi({ rateLimit: { max: 20, timeWindowMs: 60_000 }, corsOrigins: ['https://cabinet.example'] });
  // /metrics and /health are hammered below (36 requests) with this budget of 20: they must not count.
});
afterAll(() => h.close());

describe('ops endpoints', () => {
  it('serve /metrics and /health without credentials and without a rate limit', async () => {
    for (let i = 0; i < 12; i++) {
      expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await h.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    }
  });

  it('keep working without a database: no /api/v1, docs still served', async () => {
    const app = buildApp({ metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger(), readiness: [] });
    try {
      expect((await app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
      const r = await app.inject({ method: 'GET', url: '/api/v1/organizations' });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    } finally {
      await app.close();
    }
  });
});

describe('OpenAPI', () => {
  it('is served as JSON at /docs/json, lists the API routes with their schemas and the whole error catalogue', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json<{ openapi: string; info: { description: string }; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/documents/{fn}/{fd}']).toHaveProperty('get');
    expect(doc.paths['/api/v1/organizations']).toHaveProperty('post');
    for (const code of API_ERROR_CODES) expect(doc.info.description).toContain(`\`${code}\``);
    expect(JSON.stringify(doc.components.schemas['ApiError'])).toContain('VALIDATION_FAILED');
  });

  it('has a UI at /docs served from the package (no external hosts)', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/docs' });
    const page = r.statusCode === 302 ? await h.app.inject({ method: 'GET', url: r.headers.location as string }) : r;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i);
  });
});

describe('errors', () => {
  it('answer 401 UNAUTHENTICATED without credentials and with a wrong token', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/api/v1/organizations' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    const wrong = await h.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: { authorization: 'Bearer nope-nope-nope' } });
    expect(wrong.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answer 400 VALIDATION_FAILED with a message per field', async () => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: asOperator,
      payload: { inn: '7704211202', kpp: 'x' },
    });
    expect(r.statusCode).toBe(400);
    const body = r.json<{ code: string; details: Array<{ path: string; message: string }> }>();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.map((d) => d.path).sort()).toEqual(['body.inn', 'body.kpp']);
    expect(body.details.find((d) => d.path === 'body.inn')?.message).toMatch(/check digits/);
  });

  it('answer 400 BAD_REQUEST for malformed JSON and 404 ROUTE_NOT_FOUND for unknown paths', async () => {
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: { ...asOperator, 'content-type': 'application/json' },
      payload: '{"inn": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST' });
    const missing = await h.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: asOperator });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });
});

describe('headers', () => {
  it('carry helmet’s protections', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/health/live' });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBeDefined();
  });

  it('allow only the configured CORS origins', async () => {
    const ok = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/organizations',
      headers: { origin: 'https://cabinet.example', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://cabinet.example');
    const other = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/organizations',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('count per caller and answer 429 RATE_LIMITED with retry-after', async () => {
    // A fresh app: the other tests spent the operator's budget on the shared one.
    const limited = await startApi({ rateLimit: { max: 5, timeWindowMs: 60_000 } });
    // Closed (and its database dropped) by onTestFinished: an afterAll registered inside a test never ran, leaking a
    // database per run.
    onTestFinished(() => limited.close());
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await limited.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: asOperator });
      codes.push(last.statusCode);
    }
    expect(codes.slice(0, 5).every((c) => c === 200)).toBe(true);
    expect(codes.slice(5)).toEqual([429, 429]);
    expect(last!.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    // Another caller (an anonymous one, by address) has its own budget: it gets 401, not 429.
    const anonymous = await limited.app.inject({ method: 'GET', url: '/api/v1/organizations', remoteAddress: '10.1.2.3' });
    expect(anonymous.statusCode).toBe(401);
  });
});
