// Ops endpoints of the contract (§4): `/metrics`, `/health/live`, `/health/ready` — no credentials, no rate limit.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';

/** A dependency the process needs to serve: PostgreSQL, Redis. `check` resolves when healthy, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

type CheckResult = readonly [string, { status: 'ok' } | { status: 'down'; error: string }];

async function runCheck(r: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([r.check(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
    return [r.name, { status: 'ok' }] as const;
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
      const ready = results.every(([, r]) => r.status === 'ok');
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ok' : 'down', checks: Object.fromEntries(results) };
    });
  };
}
