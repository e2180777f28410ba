/**
 * `npm start` on every core (architecture decision 9): the primary process forks `config.processes` children with
 * node:cluster, sharing the gateway, marking and HTTP listening sockets. The worker role runs in children of its own at
 * a lower CPU priority (`config.workerProcesses`, `config.workerNice`; why: src/config/child-plan.ts), the other roles of
 * OFD_ROLES in the rest.
 *
 * - Scheduling: SCHED_NONE. Every child accepts on the shared socket itself; with the default round-robin the primary
 *   would accept every connection and pass its handle over IPC, a cost per connection that a gateway taking a new
 *   connection per message cannot afford.
 * - A child that dies is forked again, after a back-off that grows while children keep dying young. Nothing is lost
 *   by the death: a document is acknowledged only once Redis has it, and a dead worker's jobs are retaken by BullMQ.
 * - Once per start the primary migrates the database and makes the month partitions, so children do not race there.
 * - Everything the children must share is settled here: a session secret (unset OFD_JWT_SECRET would give each child its
 *   own, and a session begun on one would be refused by the next), and `/metrics`, which any child answers with the
 *   sum over all of them (cluster-metrics.ts).
 * - SIGTERM / SIGINT: each child shuts down in its own order (main.ts), the primary waits for them, bounded.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Config } from '../config.js';
import { childPlan, type ChildSpec } from '../config/child-plan.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ensureDocumentPartitions } from '../db/partitions.js';
import type { Logger } from '../observability/logger.js';
import { serveClusterMetrics } from './cluster-metrics.js';
import { GATEWAY_LOAD, WORKER_YIELD, YIELD_TICK_MS, YieldPolicy, yieldSettings, type YieldSettings } from './worker-yield.js';

/** A child that lived shorter than this counts as dying young: the next fork waits longer. */
const STABLE_AFTER_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;
/** Children get this long to finish in-flight work after SIGTERM before they are killed. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** The env variable a child reads its index from (0 … processes-1), for logs. */
export const CHILD_INDEX_ENV = 'OFD_CHILD_INDEX';
/** The niceness a child sets itself to (applyChildNice), from its ChildSpec. */
export const CHILD_NICE_ENV = 'OFD_CHILD_NICE';
/** '0': the child does not listen on the HTTP port (servesHttp). */
export const CHILD_HTTP_ENV = 'OFD_CHILD_HTTP';

export interface Supervisor {
  /** Live children (for tests and logs). */
  children(): Worker[];
  /** Children forked again after dying. */
  restarts(): number;
  close(): Promise<void>;
}

export async function startSupervisor(config: Config, logger: Logger): Promise<Supervisor> {
  if (config.roles.includes('worker') || config.roles.includes('api')) await prepareDatabase(config.databaseUrl);
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ silent: false });
  const stopMetrics = serveClusterMetrics();
  const sharedEnv: Record<string, string> = { OFD_JWT_SECRET: config.jwtSecret ?? randomBytes(32).toString('hex') };

  const byIndex = new Map<number, Worker>();
  let restarts = 0;
  let delay = FIRST_RESTART_DELAY_MS;
  let closing: Promise<void> | undefined;

  const plan = childPlan(config);
  const yielding = config.workerYield.maxPauseMs > 0 ? governWorkerYield(plan, byIndex, yieldSettings(config.workerYield), logger) : () => {};
  const fork = (index: number): void => {
    const bornAt = Date.now();
    const spec = plan[index]!;
    const child = cluster.fork({ ...sharedEnv, OFD_ROLES: spec.roles.join(','), [CHILD_INDEX_ENV]: String(index), [CHILD_NICE_ENV]: String(spec.nice), [CHILD_HTTP_ENV]: spec.http ? '1' : '0' });
    byIndex.set(index, child);
    child.once('exit', (code, signal) => {
      if (byIndex.get(index) === child) byIndex.delete(index);
      if (closing) return;
      const lived = Date.now() - bornAt;
      delay = lived >= STABLE_AFTER_MS ? FIRST_RESTART_DELAY_MS : Math.min(delay * 2, MAX_RESTART_DELAY_MS);
      logger.error({ child: index, pid: child.process.pid, code, signal, restartInMs: delay }, 'child process died; starting it again');
      restarts++;
      setTimeout(() => {
        if (!closing) fork(index);
      }, delay).unref();
    });
  };
  for (let i = 0; i < plan.length; i++) fork(i);
  logger.info({ processes: plan.length, children: plan.map((c) => `${c.roles.join('+')}${c.nice ? ` (nice ${c.nice})` : ''}`) }, 'supervisor started');

  return {
    children: () => [...byIndex.values()],
    restarts: () => restarts,
    close: () => (closing ??= (yielding(), stopChildren([...byIndex.values()], logger).finally(stopMetrics))),
  };
}

/**
 * Pauses the worker-only children while the gateway children are busy, and resumes them (worker-yield.ts). A worker
 * child forked while paused is told on its first message. Returns the function that stops governing.
 */
function governWorkerYield(plan: readonly ChildSpec[], byIndex: ReadonlyMap<number, Worker>, settings: YieldSettings, logger: Logger): () => void {
  const isWorkerOnly = (index: number) => plan[index]!.roles.length === 1 && plan[index]!.roles[0] === 'worker';
  if (!plan.some((_, i) => isWorkerOnly(i)) || !plan.some((c) => c.roles.includes('gateway'))) return () => {};
  const policy = new YieldPolicy(settings);
  const tell = (decision: 'pause' | 'resume' | undefined) => {
    if (!decision) return;
    logger.trace({ decision }, 'worker children yield to the gateway');
    const busy = policy.busy(Date.now());
    for (const [index, child] of byIndex) if (isWorkerOnly(index) && child.isConnected()) child.send({ type: WORKER_YIELD, pause: decision === 'pause', busy });
  };
  const onMessage = (child: Worker, message: unknown) => {
    const m = message as { type?: unknown; elu?: unknown } | null;
    if (m?.type === GATEWAY_LOAD && typeof m.elu === 'number') tell(policy.report(child.id, m.elu, Date.now()));
  };
  const onExit = (child: Worker) => tell(policy.forget(child.id, Date.now()));
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  // A pause also ends by time (the lag bound) and by the gateways' silence. The state is repeated every tick, for a
  // worker child that was still starting or missed a message (children act on a change only, and resume by themselves
  // when the pauses stop coming).
  const timer = setInterval(() => {
    policy.decide(Date.now());
    tell(policy.paused ? 'pause' : 'resume');
  }, YIELD_TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
  };
}

async function prepareDatabase(url: string): Promise<void> {
  const database = createDb(url, { applicationName: 'ofd-supervisor', maxConnections: 1 });
  try {
    await migrateToLatest(database.db);
    await ensureDocumentPartitions(database.db);
  } finally {
    await database.close();
  }
}

async function stopChildren(children: Worker[], logger: Logger): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.isDead()) return resolve();
          const timer = setTimeout(() => {
            logger.error({ pid: child.process.pid }, 'child did not stop in time; killing it');
            child.process.kill('SIGKILL');
          }, SHUTDOWN_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.process.kill('SIGTERM');
        }),
    ),
  );
}

/** False in a child the supervisor started without the HTTP port; true everywhere else. */
export function servesHttp(): boolean {
  return !(cluster.isWorker && process.env[CHILD_HTTP_ENV] === '0');
}

/**
 * In a child: lowers its own CPU priority as the supervisor planned. Raising one's niceness needs no privilege; where the
 * OS refuses anyway, the child runs at normal priority and says so.
 */
export function applyChildNice(logger: Logger): void {
  const nice = Number(process.env[CHILD_NICE_ENV] ?? 0);
  if (!cluster.isWorker || !(nice > 0)) return;
  try {
    // Linux: setpriority applies to one thread. V8's and libuv's threads started with the process; later ones inherit.
    for (const tid of threadIds()) setPriority(tid, nice);
  } catch (e) {
    logger.warn({ nice, err: e }, 'could not lower this process\'s CPU priority; it runs at normal priority');
  }
}

/** This process's threads (Linux: /proc/self/task), or the process alone elsewhere. */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
