// `npm start` through its real entry point (`tsx src/main.ts`), supervised: a fresh unmigrated database (the supervisor
// migrates before forking), a queue prefix of its own, free ports, and the children followed through their 'ofd
// started' log lines. For the e2e tests of the supervisor and of storing yielding to acknowledging.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseAck } from '../../protocol/ack.js';
import { decodeContainer } from '../../protocol/container.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange } from './kkt.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { freePort } from './redis-process.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface SupervisedStart {
  readonly primary: ChildProcess;
  readonly database: TestDatabase;
  readonly ports: { readonly gateway: number; readonly marking: number; readonly http: number };
  /** pids of children that logged 'ofd started', in order. */
  readonly started: number[];
  /** Each started child's roles as it logged them, joined with '+'. */
  readonly rolesOf: Map<number, string>;
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number, everyMs?: number): Promise<void>;
  /** Sends a document until it is acknowledged, as a register re-sends after a dropped connection. */
  sendUntilAcked(message: Buffer, fd: number): Promise<void>;
  /** Kills whatever is left (primary and children) and drops the database and the queue keys. */
  cleanup(): Promise<void>;
}

/** Starts it with `env` on top of the test's settings and waits until `children` children started and it is ready. */
export async function startSupervised(o: { label: string; redisUrl: string; env: Record<string, string>; children: number }): Promise<SupervisedStart> {
  const database = await createTestDatabase({ migrate: false });
  const prefix = uniquePrefix(o.label);
  const ports = { gateway: await freePort(), marking: await freePort(), http: await freePort() };
  const primary = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: o.redisUrl,
      OFD_QUEUE_PREFIX: prefix,
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: String(ports.gateway),
      OFD_MARKING_PORT: String(ports.marking),
      OFD_HTTP_PORT: String(ports.http),
      LOG_LEVEL: 'info',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: number[] = [];
  const rolesOf = new Map<number, string>();
  const logTail: string[] = [];
  for (const stream of [primary.stdout!, primary.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      logTail.push(line);
      if (logTail.length > 40) logTail.shift();
      try {
        const entry = JSON.parse(line) as { msg?: string; pid?: number; roles?: string[] };
        if (entry.msg === 'ofd started' && entry.pid !== undefined) {
          started.push(entry.pid);
          rolesOf.set(entry.pid, (entry.roles ?? []).join('+'));
        }
      } catch {
        // not a log line of ours
      }
    });
  }
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log tail:\n${logTail.join('\n')}`);
      await sleep(everyMs);
    }
  };
  const sendUntilAcked = async (message: Buffer, fd: number): Promise<void> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { reply } = await exchange(ports.gateway, message, { timeoutMs: 3000 });
      if (reply.length > 30 && parseAck(decodeContainer(reply.subarray(30))).fiscalDocumentNumber === fd) return;
      await sleep(50);
    }
    throw new Error(`FD ${fd} was never acknowledged`);
  };
  const cleanup = async (): Promise<void> => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await database.drop();
    await deleteKeysWithPrefix(o.redisUrl, prefix);
  };
  try {
    // Generous: three Node processes compile the sources with tsx, slow on a busy 2-core machine.
    await until(`${o.children} children started`, () => new Set(started).size >= o.children, 150_000);
    await until('ready', async () => (await fetch(`http://127.0.0.1:${ports.http}/health/ready`).catch(() => undefined))?.ok === true);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { primary, database, ports, started, rolesOf, until, sendUntilAcked, cleanup };
}
