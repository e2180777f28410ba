/**
 * Storing yields to acknowledging (issue 12, `npm start` at the gateway's rate), with the lag bounded.
 *
 * Niceness alone (child-plan.ts) leaves the worker the CPU the gateway does not use, and PostgreSQL, which stores what
 * the worker sends, runs at normal priority beside the gateway: measured, a niced worker still took ≈ 0.15–0.2 of the
 * gateway's rate. So the supervisor also pauses fetching new `documents` jobs while the gateway children are busy:
 *
 * - every gateway child reports its event-loop utilization (ELU) twice a second (reportGatewayLoad);
 * - the primary's YieldPolicy pauses the worker children when the busiest gateway child is at or above `highElu`
 *   (OFD_WORKER_YIELD_ELU, 0.85), and resumes them when every one is below `lowElu` (0.25 lower: no flapping around
 *   one threshold);
 * - the lag is bounded: a pause lasts at most `maxPauseMs` (OFD_WORKER_MAX_PAUSE_MS, 10 s), after which the workers run
 *   for at least `minRunMs` (half of it) whatever the gateway's load. Under sustained overload storing keeps ≥ minRunMs / (maxPauseMs + minRunMs) of its time;
 * - no report from the gateway children for `staleMs` (a child died, is being restarted) resumes the workers;
 * - the workers are also told whether a gateway child is busy at all (at or above `lowElu`): while one is, the persist
 *   worker holds few batch jobs (persist.worker.ts, BUSY_GATEWAY_CONCURRENCY), so that the runs between pauses store in
 *   small transactions rather than take the CPU the gateway needs; when none is (the drain after a burst), it holds
 *   enough for large transactions.
 *
 * A paused persist worker stops fetching jobs; its running transactions commit, and the documents of the jobs it holds
 * wait for the resume (persist.worker.ts). Nothing is lost by pausing: the jobs wait in
 * Redis (AOF), acknowledged and durable, exactly as when no worker runs at all. BullMQ also stops a paused worker's
 * stalled-job checker: a dead sibling's jobs are taken up again once the pause ends (≤ maxPauseMs later).
 */
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';

export const GATEWAY_LOAD = 'ofd:gateway-load';
export const WORKER_YIELD = 'ofd:worker-yield';
const REPORT_EVERY_MS = 500;
/** The primary repeats the state this often; a worker child that hears no pause for 4 ticks resumes by itself. */
export const YIELD_TICK_MS = 250;
const SELF_RESUME_MS = 4 * YIELD_TICK_MS;

export interface YieldSettings {
  readonly highElu: number;
  readonly lowElu: number;
  readonly maxPauseMs: number;
  readonly minRunMs: number;
  readonly staleMs: number;
}

/**
 * From OFD_WORKER_YIELD_ELU and OFD_WORKER_MAX_PAUSE_MS: resume 0.25 below the high mark; after a pause of the longest
 * kind, run at least half as long.
 */
export function yieldSettings(o: { readonly highElu: number; readonly maxPauseMs: number }): YieldSettings {
  return { highElu: o.highElu, lowElu: Math.max(0, o.highElu - 0.25), maxPauseMs: o.maxPauseMs, minRunMs: o.maxPauseMs / 2, staleMs: 2_000 };
}

/** Pure: fed the gateway children's reports, says when the workers must pause or resume. */
export class YieldPolicy {
  private readonly load = new Map<number, { elu: number; at: number }>();
  private pausedAt: number | undefined;
  private mustRunUntil = 0;

  constructor(private readonly s: YieldSettings) {}

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  /** Whether a gateway child is busy at all (at or above the low mark), by the reports fresh at `now`. */
  busy(now: number): boolean {
    return this.busiest(now) >= this.s.lowElu;
  }

  private busiest(now: number): number {
    const fresh = [...this.load.values()].filter((l) => now - l.at <= this.s.staleMs).map((l) => l.elu);
    return fresh.length === 0 ? 0 : Math.max(...fresh);
  }

  /** A gateway child `id` reported `elu` at `now`. Returns the new state when it changed. */
  report(id: number, elu: number, now: number): 'pause' | 'resume' | undefined {
    this.load.set(id, { elu, at: now });
    return this.decide(now);
  }

  /** A gateway child is gone: its last report no longer counts. */
  forget(id: number, now: number): 'pause' | 'resume' | undefined {
    this.load.delete(id);
    return this.decide(now);
  }

  /** Also called on a timer: a pause ends by time and by silence too. */
  decide(now: number): 'pause' | 'resume' | undefined {
    const busiest = this.busiest(now);
    if (this.pausedAt === undefined) {
      if (busiest < this.s.highElu || now < this.mustRunUntil) return undefined;
      this.pausedAt = now;
      return 'pause';
    }
    const tooLong = now - this.pausedAt >= this.s.maxPauseMs;
    if (busiest >= this.s.lowElu && !tooLong) return undefined;
    this.pausedAt = undefined;
    if (tooLong) this.mustRunUntil = now + this.s.minRunMs;
    return 'resume';
  }
}

/** In a gateway child of the supervisor: reports this process's event-loop utilization to the primary. */
export function reportGatewayLoad(): () => void {
  if (!cluster.isWorker || !process.send) return () => {};
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    process.send?.({ type: GATEWAY_LOAD, elu });
  }, REPORT_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export interface Pausable {
  pause(): Promise<void> | void;
  resume(): void;
  /** Told whether a gateway child is busy at all (see the file comment); optional. */
  gatewayBusy?(busy: boolean): void;
}

/**
 * In a worker child of the supervisor: pauses and resumes `target` as the primary says. The primary repeats the state
 * every tick (a child that was still starting missed the first), so only a change is acted on.
 */
export function followYieldRequests(target: Pausable, logger: Logger, onChange?: (paused: boolean) => void): () => void {
  if (!cluster.isWorker) return () => {};
  let paused = false;
  let busy = false;
  let lastPauseAt = 0;
  const set = (pause: boolean): void => {
    if (pause === paused) return;
    paused = pause;
    onChange?.(paused);
    if (!paused) return target.resume();
    Promise.resolve(target.pause()).catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'could not pause the persist worker'));
  };
  const onMessage = (message: unknown): void => {
    const m = message as { type?: unknown; pause?: unknown; busy?: unknown } | null;
    if (m?.type !== WORKER_YIELD || typeof m.pause !== 'boolean') return;
    if (m.pause) lastPauseAt = Date.now();
    set(m.pause);
    setBusy(m.busy === true);
  };
  const setBusy = (b: boolean): void => {
    if (b === busy) return;
    busy = b;
    target.gatewayBusy?.(busy);
  };
  // Never stuck paused: a primary that stopped governing (or messages that stopped arriving) means run.
  const watchdog = setInterval(() => {
    if (!paused || Date.now() - lastPauseAt <= SELF_RESUME_MS) return;
    set(false);
    setBusy(false);
  }, YIELD_TICK_MS);
  watchdog.unref();
  process.on('message', onMessage);
  return () => {
    clearInterval(watchdog);
    process.off('message', onMessage);
  };
}
