/**
 * Which roles each child of a supervised `npm start` runs (src/cluster/supervisor.ts), and at what CPU priority.
 *
 * Why the worker role gets children of its own, at a lower priority: a register waits for its acknowledgement, a stored
 * row waits for nobody. Acknowledging costs ≈ 0.25 ms of CPU per document, storing it (worker and PostgreSQL) ≈ 1 ms;
 * when every role shares every core at one priority, a burst slows the acknowledgements to the speed of storing. With
 * the worker children niced, the kernel gives the gateway the CPU first: under a burst the `documents` queue (durable,
 * AOF) absorbs the difference and the workers drain it as soon as the gateway leaves CPU idle (and pause outright while it is busy:
 * src/cluster/worker-yield.ts). The lag is visible (`ofd_queue_jobs{queue="documents",state="waiting"}`,
 * `ofd_worker_yielding`) and bounded by Redis's memory, not by the registers' patience.
 */
import type { Role } from './defaults.js';

export interface ChildSpec {
  readonly roles: readonly Role[];
  /** Niceness the child sets itself to at start (0: unchanged). */
  readonly nice: number;
  /**
   * Whether it listens on the HTTP port. The children share the port and the kernel hands each connection to any one
   * of them, so a worker-only child of a split must not: it has no API to answer with.
   */
  readonly http: boolean;
}

/** True when the worker role gets children of its own: several children, and roles besides the worker's to separate. */
export function splitsWorker(roles: readonly Role[], processes: number): boolean {
  return processes > 1 && roles.includes('worker') && roles.some((r) => r !== 'worker');
}

/** `auto`: half of the children, rounded down (1 of 2 on a 2-core machine). */
export function resolveWorkerProcesses(workerProcesses: number | 'auto', roles: readonly Role[], processes: number): number {
  if (!splitsWorker(roles, processes)) return 0;
  return workerProcesses === 'auto' ? Math.floor(processes / 2) : workerProcesses;
}

/**
 * The children, in fork order: first those of the other roles (gateway, api) at normal priority, then the worker-only
 * ones at `workerNice`. With workerProcesses 0 (or nothing to split) every child runs every role.
 */
export function childPlan(config: { readonly roles: readonly Role[]; readonly processes: number; readonly workerProcesses: number; readonly workerNice: number }): ChildSpec[] {
  const { roles, processes, workerProcesses, workerNice } = config;
  if (workerProcesses === 0 || !splitsWorker(roles, processes)) return Array.from({ length: processes }, () => ({ roles, nice: 0, http: true }));
  const front = roles.filter((r) => r !== 'worker');
  return [
    ...Array.from({ length: processes - workerProcesses }, () => ({ roles: front, nice: 0, http: true })),
    ...Array.from({ length: workerProcesses }, () => ({ roles: ['worker'] as const, nice: workerNice, http: false })),
  ];
}
