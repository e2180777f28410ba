/**
 * Forwarding yields to storing (issue 12: documents acknowledged *and stored* per second), with the lag bounded.
 *
 * One worker process stores documents (the persist worker) and forwards them (fns, crpt, notify) on the same event loop
 * and the same PostgreSQL. After a burst — the gateway acknowledged faster than the worker stores, and the persist
 * worker yielded to the gateway meanwhile (src/cluster/worker-yield.ts) — both drained at once, taking turns: measured,
 * the worker's CPU per stored document was ≈ 1 000 µs with forwarding against ≈ 400 µs storing alone. Yet storing is
 * what the acknowledgement promised and what the cabinet shows; forwarding a document a minute later costs nothing the
 * FNS or the buyer can see. So while the persist worker is backlogged — documents wait for a transaction slot, or
 * wait while it is paused for a busy gateway (src/cluster/worker-yield.ts: then the whole worker yields to
 * acknowledging) — this process's forwarding workers stop fetching jobs:
 *
 * - sampled every `sampleMs` (250 ms); a pause starts at the second backlogged sample in a row (`confirmSamples`: one
 *   sample is a moment when both transaction slots happened to be busy, which a steady trickle of documents has too)
 *   and ends once `clearMs` (500 ms) passed without one;
 * - the lag is bounded: a pause lasts at most `maxPauseMs` (OFD_FORWARD_MAX_PAUSE_MS, 30 s; 0 = never pause) —
 *   pauses separated by runs shorter than `minRunMs` count as one — after which forwarding runs for at least
 *   `minRunMs` (a third of it) whatever the backlog. Under sustained overload forwarding keeps ≥ minRunMs /
 *   (maxPauseMs + minRunMs) of its time.
 *
 * Nothing is lost by pausing: the forwarding jobs wait in Redis (AOF), exactly as when no forwarding worker runs; the
 * jobs a worker holds finish. BullMQ stops a paused worker's stalled-job checker: a dead sibling's forwarding jobs are
 * taken up again once the pause ends (≤ maxPauseMs later).
 */
import type { Logger } from '../../observability/logger.js';
import type { PauseControls } from './fetch-gate.js';

export const FORWARD_YIELD_SAMPLE_MS = 250;

export interface ForwardingYieldSettings {
  readonly maxPauseMs: number;
  readonly minRunMs: number;
  /** A pause ends once this long passed without a backlogged sample. */
  readonly clearMs: number;
  /** Backlogged samples in a row that start a pause (default 1). */
  readonly confirmSamples?: number;
}

/** From OFD_FORWARD_MAX_PAUSE_MS: after a pause of the longest kind, run at least a third as long. */
export function forwardingYieldSettings(maxPauseMs: number): ForwardingYieldSettings {
  return { maxPauseMs, minRunMs: maxPauseMs / 3, clearMs: 2 * FORWARD_YIELD_SAMPLE_MS, confirmSamples: 2 };
}

/**
 * Pure: fed whether storing is backlogged, says when forwarding must pause or resume. The bound is on an *episode*:
 * pauses separated by runs shorter than `minRunMs` (a backlog that clears for a moment) count as one, so forwarding
 * cannot be kept paused 29 s of every 30 by a backlog with short gaps; an episode reaching `maxPauseMs` ends in a run
 * of `minRunMs` whatever the backlog.
 */
export class ForwardingYieldPolicy {
  private pausedNow = false;
  /** When the current episode's first pause began; undefined once a run lasted minRunMs or a forced run began. */
  private episodeStart: number | undefined;
  private resumedAt = 0;
  private lastBacklogAt = 0;
  private mustRunUntil = 0;
  /** Backlogged samples in a row so far. */
  private backlogRun = 0;

  constructor(private readonly s: ForwardingYieldSettings) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  /** A sample at `now`. Returns the new state when it changed. */
  sample(backlogged: boolean, now: number): 'pause' | 'resume' | undefined {
    if (backlogged) this.lastBacklogAt = now;
    this.backlogRun = backlogged ? this.backlogRun + 1 : 0;
    if (!this.pausedNow) {
      if (this.backlogRun < Math.max(1, this.s.confirmSamples ?? 1) || this.s.maxPauseMs <= 0 || now < this.mustRunUntil) return undefined;
      if (this.episodeStart === undefined || now - this.resumedAt >= this.s.minRunMs) this.episodeStart = now;
      if (now - this.episodeStart >= this.s.maxPauseMs) return this.forceRun(now);
      this.pausedNow = true;
      return 'pause';
    }
    const tooLong = now - this.episodeStart! >= this.s.maxPauseMs;
    const cleared = now - this.lastBacklogAt >= this.s.clearMs;
    if (!tooLong && !cleared) return undefined;
    this.pausedNow = false;
    this.resumedAt = now;
    if (tooLong) this.forceRun(now);
    return 'resume';
  }

  /** The episode is over: forwarding runs minRunMs whatever the backlog. */
  private forceRun(now: number): undefined {
    this.mustRunUntil = now + this.s.minRunMs;
    this.episodeStart = undefined;
    return undefined;
  }
}

/** A forwarding worker (fns, crpt, notify): its pause and resume. */
export type ForwardingWorker = PauseControls;

export interface FollowBacklogOptions {
  /** Whether storing is backlogged now (the persist worker's `backlogged`). */
  readonly backlogged: () => boolean;
  readonly workers: readonly ForwardingWorker[];
  readonly settings: ForwardingYieldSettings;
  readonly logger: Logger;
  readonly onChange?: (paused: boolean) => void;
  readonly sampleMs?: number;
  readonly now?: () => number;
}

/**
 * Samples the backlog on a timer and pauses or resumes `workers` as the policy says. Returns a stop that ends the
 * sampling only: a worker left paused is closed as it is (its close opens its gate; BullMQ closes a paused worker), so
 * shutdown does not start fetching forwarding jobs again.
 */
export function followPersistBacklog(o: FollowBacklogOptions): () => void {
  const policy = new ForwardingYieldPolicy(o.settings);
  const now = o.now ?? Date.now;
  const set = (pause: boolean): void => {
    o.onChange?.(pause);
    for (const w of o.workers) {
      if (!pause) {
        w.resume();
        continue;
      }
      // Not awaited: pause resolves when the jobs a worker holds have finished.
      Promise.resolve(w.pause()).catch((e: unknown) => o.logger.warn({ err: (e as Error).message }, 'could not pause a forwarding worker'));
    }
  };
  const timer = setInterval(() => {
    const change = policy.sample(o.backlogged(), now());
    if (change) set(change === 'pause');
  }, o.sampleMs ?? FORWARD_YIELD_SAMPLE_MS);
  timer.unref();
  return () => clearInterval(timer);
}
