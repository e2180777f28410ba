// Finds the PostgreSQL and Redis the integration tests use (architecture §4):
// DATABASE_URL / REDIS_URL when set, else the local defaults, else testcontainers when a Docker engine is present,
// else stop with a message that says how to start them. Tests create and drop their own databases and key prefixes.
import { existsSync } from 'node:fs';
import net from 'node:net';
import type { TestProject } from 'vitest/node';

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(1500);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

function dockerPresent(): boolean {
  return existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);
}

const stops: Array<() => Promise<unknown>> = [];

export async function setup(project: TestProject): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
  let redisUrl = process.env.REDIS_URL ?? LOCAL_REDIS_URL;
  const pgUp = await reachable(databaseUrl, 5432);
  const redisUp = await reachable(redisUrl, 6379);

  if ((!pgUp || !redisUp) && dockerPresent()) {
    if (!pgUp) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:15-alpine').start();
      stops.push(() => pg.stop());
      databaseUrl = pg.getConnectionUri();
      // Every vitest project runs this setup: the next one finds this container instead of starting another.
      process.env.DATABASE_URL = databaseUrl;
    }
    if (!redisUp) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const redis = await new RedisContainer('redis:7-alpine').start();
      stops.push(() => redis.stop());
      redisUrl = redis.getConnectionUrl();
      process.env.REDIS_URL = redisUrl;
    }
  } else if (!pgUp || !redisUp) {
    const missing = [!pgUp && `PostgreSQL at ${databaseUrl}`, !redisUp && `Redis at ${redisUrl}`].filter(Boolean).join(' and ');
    throw new Error(
      `The tests need ${missing}, and no Docker engine is here to start them.\n` +
        'Start them, or point DATABASE_URL / REDIS_URL elsewhere:\n' +
        '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    );
  }
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
}

export async function teardown(): Promise<void> {
  for (const stop of stops.reverse()) await stop();
}
