// Issue 13, item 7: webhooks do not reach internal addresses. Only loopback traffic: a real HTTP receiver on 127.0.0.1
// is the "internal service"; the allow-list (OFD_WEBHOOK_ALLOW_HOSTS) lets it through where a test needs it.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpWebhookSender } from '../../../src/adapters/webhooks/webhook-sender.js';
import { asOperator, createOrganization, startApi, type ApiHarness } from '../api/api-test-helpers.js';

let server: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (req.url === '/fail') res.writeHead(500).end('SECRET-INTERNAL-ANSWER db=postgres://admin:pw@10.0.0.5');
    else if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/redirected` }).end();
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

const request = (url: string) => ({ url, secret: 'whsec_test', deliveryId: 1, event: 'document.received', body: '{}' });

describe('webhook sender', () => {
  it('refuses loopback targets in every form at send time, without sending a byte', async () => {
    const sender = createHttpWebhookSender({ timeoutMs: 2000 });
    try {
      for (const url of [
        `http://127.0.0.1:${port}/x`,
        `http://2130706433:${port}/x`,
        `http://0x7f.0.0.1:${port}/x`,
        `http://127.1:${port}/x`,
        `http://[::ffff:127.0.0.1]:${port}/x`,
        `http://localhost:${port}/x`,
      ]) {
        const r = await sender.send(request(url));
        expect(r, url).toMatchObject({ ok: false, statusCode: null });
        expect(r.ok ? '' : r.error, url).toContain('refused: the webhook target is not a public address');
      }
      expect(hits).toEqual([]);
    } finally {
      await sender.close();
    }
  });

  it('with the target allowed: delivers, never echoes the answer body, and does not follow redirects', async () => {
    for (const allowHosts of [['127.0.0.1'], ['localhost', '127.0.0.0/8', '::1']]) {
      hits.length = 0;
      const sender = createHttpWebhookSender({ timeoutMs: 2000, policy: { allowHosts } });
      const host = allowHosts[0] === 'localhost' ? 'localhost' : '127.0.0.1';
      try {
        expect(await sender.send(request(`http://${host}:${port}/ok`))).toEqual({ ok: true, statusCode: 200 });
        const failed = await sender.send(request(`http://${host}:${port}/fail`));
        expect(failed).toEqual({ ok: false, statusCode: 500, error: 'HTTP 500 (server error)' });
        const redirected = await sender.send(request(`http://${host}:${port}/redirect`));
        expect(redirected).toEqual({ ok: false, statusCode: 302, error: 'HTTP 302 (redirect (not followed))' });
        expect(hits).toEqual(['/ok', '/fail', '/redirect']);
      } finally {
        await sender.close();
      }
    }
  });
});

describe('webhook subscriptions', () => {
  let h: ApiHarness;
  let allowed: ApiHarness;
  let org: number;
  beforeAll(async () => {
    h = await startApi();
    allowed = await startApi({ webhookAllowHosts: ['127.0.0.1'] });
    org = await createOrganization(h, '7707083893');
    await createOrganization(allowed, '7707083893');
  });
  afterAll(async () => {
    await h.close();
    await allowed.close();
  });

  const subscribe = (api: ApiHarness, url: string) =>
    api.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/webhooks`, headers: asOperator, payload: { url, events: ['document.received'] } });

  it('refuse internal targets at create and update time (400 on body.url) unless the operator allows them', async () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://2130706433/', 'http://[::ffff:127.0.0.1]/']) {
      const r = await subscribe(h, url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json(), url).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.url' }] });
    }
    const ok = await subscribe(allowed, `http://127.0.0.1:${port}/hooks`);
    expect(ok.statusCode).toBe(201);
    const id = ok.json<{ id: number }>().id;
    const patched = await allowed.app.inject({
      method: 'PATCH',
      url: `/api/v1/organizations/${org}/webhooks/${id}`,
      headers: asOperator,
      payload: { url: 'http://10.0.0.5/x' },
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json()).toMatchObject({ details: [{ path: 'body.url' }] });
  });
});
