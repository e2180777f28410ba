/**
 * The web cabinet (src/cabinet, built by `npm run build` into dist/cabinet) served by the `api` role at `/`:
 * - hashed files under /assets/ with a year-long immutable cache (their names change with their content);
 * - every other file (index.html, the favicon) revalidated on each load, so a deploy is picked up at once;
 * - SPA fallback: a GET for an unknown path that is not under /api, /docs, /metrics or /health answers index.html, and
 *   the cabinet's router shows the page. Those prefixes keep the API's JSON 404.
 */
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NOT_CABINET = ['/api', '/docs', '/metrics', '/health'];

/** dist/cabinet, from the compiled server (dist/src/api) or from the sources run by tsx (src/api). */
export function defaultCabinetDir(): string | undefined {
  for (const rel of ['../../cabinet/', '../../dist/cabinet/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

export function isCabinetPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return !NOT_CABINET.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * Registers the static files; returns the fallback for the app's not-found handler (true when it answered).
 */
export function installCabinet(app: FastifyInstance, root: string): (request: FastifyRequest, reply: FastifyReply) => boolean {
  void app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders(res, path) {
      res.header('cache-control', /\/assets\/[^/]+$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !isCabinetPath(request.url)) return false;
    void reply.header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
