import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connectionLogger, createLogger, jobLogger, newConnectionId } from '../../../src/observability/logger.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('honours the level and writes JSON lines', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', destination: out.stream, name: 'test' });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines()).toMatchObject([{ level: 40, msg: 'shown', name: 'test' }]);
  });

  it('binds connection and job context on child loggers', () => {
    const out = capture();
    const root = createLogger({ level: 'info', destination: out.stream });
    connectionLogger(root, { connectionId: 'c1', remoteAddress: '10.0.0.1', remotePort: 5555, listener: 'gateway' }).info('a');
    jobLogger(root, { queue: 'documents', jobId: 'fn-9999078900012345-fd-1', attempt: 2 }).info('b');
    expect(out.lines()).toMatchObject([
      { conn: 'c1', remote: '10.0.0.1:5555', listener: 'gateway', msg: 'a' },
      { queue: 'documents', jobId: 'fn-9999078900012345-fd-1', attempt: 2, msg: 'b' },
    ]);
  });

  it('redacts credentials', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ req: { headers: { authorization: 'Bearer secret' } }, config: { adminToken: 'secret' } }, 'x');
    expect(JSON.stringify(out.lines())).not.toContain('secret');
  });

  it('makes distinct connection ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newConnectionId()));
    expect(ids.size).toBe(1000);
  });
});
