// Ops endpoints of the contract (§4): `/metrics`, `/health/live`, `/health/ready` — no credentials, no rate limit.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';

/**
 * What a check may say beyond "up": details shown under its name, and `degraded` — serving, but behind (the derive
 * stage's lag): /health/ready stays 200 with status 'degraded', since the process still accepts and stores documents.
 */
export interface ReadinessDetail {
  readonly degraded?: string;
  readonly [detail: string]: unknown;
}

/** A dependency the process needs to serve: PostgreSQL, Redis. `check` resolves when healthy, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void | ReadinessDetail>;
}

type CheckStatus = { status: 'ok' | 'degraded'; [detail: string]: unknown } | { status: 'down'; error: string };
type CheckResult = readonly [string, CheckStatus];

async function runCheck(r: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([r.check(), new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
    if (!detail) return [r.name, { status: 'ok' }] as const;
    const { degraded, ...rest } = detail;
    return [r.name, degraded === undefined ? { ...rest, status: 'ok' } : { ...rest, status: 'degraded', reason: degraded }] as const;
  } catch (e) {
    return [r.name, { status: 'down', error: (e as Error).message }] as const;
  } finally {
    clearTimeout(timer);
  }
}

export function opsRoutes(metrics: Metrics, readiness: ReadinessCheck[], timeoutMs: number) {
  return async (ops: FastifyInstance): Promise<void> => {
    ops.get('/metrics', { schema: { tags: ['ops'], security: [] } }, async (_req, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.render();
    });

    ops.get('/health/live', { schema: { tags: ['ops'], security: [] } }, async () => ({ status: 'ok' }));

    ops.get('/health/ready', { schema: { tags: ['ops'], security: [] } }, async (_req, reply) => {
      const results = await Promise.all(readiness.map((r) => runCheck(r, timeoutMs)));
      const ready = results.every(([, r]) => r.status !== 'down');
      const degraded = results.some(([, r]) => r.status === 'degraded');
      reply.code(ready ? 200 : 503);
      return { status: ready ? (degraded ? 'degraded' : 'ok') : 'down', checks: Object.fromEntries(results) };
    });
  };
}
