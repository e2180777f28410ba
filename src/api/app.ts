/**
 * The HTTP app factory: `buildApp(deps)` returns a fastify instance without listening (tests use `app.inject()`).
 * For now: the ops endpoints of the contract (§4) — `/metrics`, `/health/live`, `/health/ready`. The cabinet API
 * (`/api/v1`, OpenAPI at `/docs`) mounts here as it lands.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** A dependency the process needs to serve: PostgreSQL, Redis. `check` resolves when healthy, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface AppDeps {
  metrics: Metrics;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Per-check budget, so a hung dependency makes /health/ready answer 503 rather than hang. */
  readinessTimeoutMs?: number;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, disableRequestLogging: true });
  const timeoutMs = deps.readinessTimeoutMs ?? 1500;

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.render();
  });

  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([r.check(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
          return [r.name, { status: 'ok' }] as const;
        } catch (e) {
          return [r.name, { status: 'down', error: (e as Error).message }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = results.every(([, r]) => r.status === 'ok');
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'down', checks: Object.fromEntries(results) };
  });

  return app;
}
