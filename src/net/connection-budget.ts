/**
 * How many register connections one process may hold, across both ports. Every connection is a file descriptor, and
 * so is every Redis, PostgreSQL and HTTP socket, log file and the event loop's own: a cap at or above `ulimit -n` lets a
 * flood of connections take the descriptors that the acks (Redis) and `/health/live` (HTTP) need, and then accept() fails
 * silently (libuv accepts and drops). So the cap is kept below the soft limit with a reserve for everything else.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for everything that is not a register connection: at least this many… */
export const FD_RESERVE_MIN = 128;
/** …or this share of the limit, whichever is larger. */
export const FD_RESERVE_SHARE = 1 / 8;
/** Below this the process cannot serve a useful number of registers; it still starts, and says so. */
const MIN_BUDGET = 16;

/** The soft `Max open files` limit of this process (Linux /proc), or undefined where it cannot be read. */
export function readOpenFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export interface BudgetLimit {
  /** Connections allowed, both ports together. */
  limit: number;
  /** The configured cap (OFD_GATEWAY_MAX_CONNECTIONS). */
  configured: number;
  fdLimit: number | undefined;
  /** Descriptors left for Redis, PostgreSQL, HTTP and the runtime. */
  reserve: number;
  /** True when the fd limit, not the configuration, set the cap. */
  clamped: boolean;
}

export function budgetLimit(configured: number, fdLimit: number | undefined): BudgetLimit {
  if (fdLimit === undefined) return { limit: configured, configured, fdLimit, reserve: 0, clamped: false };
  const reserve = Math.max(FD_RESERVE_MIN, Math.ceil(fdLimit * FD_RESERVE_SHARE));
  const room = Math.max(MIN_BUDGET, fdLimit - reserve);
  return { limit: Math.min(configured, room), configured, fdLimit, reserve, clamped: room < configured };
}

/** A counter of open connections shared by the listeners of one process. */
export interface ConnectionBudget {
  readonly limit: number;
  readonly inUse: number;
  /** Takes a slot, or returns false when all are taken. */
  tryTake(): boolean;
  release(): void;
}

export function createConnectionBudget(limit: number): ConnectionBudget {
  let inUse = 0;
  return {
    limit,
    get inUse() {
      return inUse;
    },
    tryTake() {
      if (inUse >= limit) return false;
      inUse += 1;
      return true;
    },
    release() {
      inUse = Math.max(0, inUse - 1);
    },
  };
}
