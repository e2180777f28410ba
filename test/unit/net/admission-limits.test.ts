// The connection budget below the open-files limit, the close log that counts every close and logs a few, and the
// accept guard that stops listening while the process is out of descriptors and listens again after a backoff.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardAccept } from '../../../src/net/accept-guard.js';
import { createCloseLog } from '../../../src/net/close-log.js';
import { budgetLimit, createConnectionBudget, readOpenFileLimit } from '../../../src/net/connection-budget.js';
import { createLogger, silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('connection budget', () => {
  it('reads the soft open-files limit from /proc/self/limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limits-'));
    writeFileSync(join(dir, 'limits'), LIMITS);
    expect(readOpenFileLimit(join(dir, 'limits'))).toBe(256);
    expect(readOpenFileLimit(join(dir, 'missing'))).toBeUndefined();
    // This process's own limit is a positive number on Linux.
    expect(readOpenFileLimit()).toBeGreaterThan(0);
  });

  it('keeps the cap below the fd limit with a reserve of max(128, 1/8)', () => {
    expect(budgetLimit(20_000, 256)).toEqual({ limit: 128, configured: 20_000, fdLimit: 256, reserve: 128, clamped: true });
    expect(budgetLimit(20_000, 1024)).toMatchObject({ limit: 896, clamped: true });
    expect(budgetLimit(20_000, 1_048_576)).toMatchObject({ limit: 20_000, reserve: 131_072, clamped: false });
    expect(budgetLimit(500, undefined)).toMatchObject({ limit: 500, clamped: false });
    expect(budgetLimit(20_000, 100).limit).toBe(16);
  });

  it('hands out at most `limit` slots and takes them back', () => {
    const b = createConnectionBudget(2);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    b.release();
    expect(b.tryTake()).toBe(true);
    expect(b.inUse).toBe(2);
  });
});

describe('close log', () => {
  it('counts every close by listener and reason, logs the first few and one summary line for the rest', async () => {
    const lines: Array<{ msg: string; closed?: Record<string, number>; total?: number }> = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    });
    const metrics = createMetrics({ defaultMetrics: false });
    const closes = createCloseLog({ listener: 'marking', metrics: metrics.gateway, log: createLogger({ level: 'info', destination }), intervalMs: 100, linesPerInterval: 3 });
    for (let i = 0; i < 50; i++) closes.closed('GW_IDLE_TIMEOUT', { remote: '198.51.100.7' });
    for (let i = 0; i < 20; i++) closes.closed('PROTO_BAD_SIGNATURE', { remote: '198.51.100.7' });
    await new Promise((r) => setTimeout(r, 150));
    closes.stop();
    expect(lines.filter((l) => l.msg === 'closing connection')).toHaveLength(3);
    const summary = lines.filter((l) => l.msg === 'connections closed without a log line of their own');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ closed: { GW_IDLE_TIMEOUT: 47, PROTO_BAD_SIGNATURE: 20 }, total: 67 });
    const { values } = await metrics.gateway.connectionsClosed.get();
    const of = (reason: string) => values.find((v) => v.labels['listener'] === 'marking' && v.labels['reason'] === reason)?.value;
    expect([of('idle_timeout'), of('protocol_error')]).toEqual([50, 20]);
  });
});

describe('accept guard', () => {
  it('stops listening while descriptors are exhausted, counts it, and listens again on the same port after a backoff', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let exhausted = false;
    const probe = () => {
      if (exhausted) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    };
    const server = net.createServer((s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const guard = guardAccept(server, { port, host: '127.0.0.1' }, { listener: 'gateway', metrics: metrics.gateway, log: silentLogger() }, { probeIntervalMs: 20, initialBackoffMs: 50, probe });
    const tryConnect = () =>
      new Promise<string>((resolve) => {
        const c = net.connect({ port, host: '127.0.0.1' });
        c.on('data', () => resolve('answered'));
        c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
    expect(await tryConnect()).toBe('answered');
    exhausted = true;
    await new Promise((r) => setTimeout(r, 60));
    expect(guard.paused).toBe(true);
    expect(await tryConnect()).toBe('ECONNREFUSED');
    exhausted = false;
    await new Promise((r) => setTimeout(r, 250));
    expect(guard.paused).toBe(false);
    expect(await tryConnect()).toBe('answered');
    const { values } = await metrics.gateway.acceptErrors.get();
    expect(values.find((v) => v.labels['code'] === 'EMFILE')?.value).toBeGreaterThanOrEqual(1);
    guard.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
