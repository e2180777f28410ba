/**
 * The faults `ofd fake-fns` injects (POST /_faults; the order they apply in is in fake-fns-server.ts): the switches it
 * shares with the CRPT fake (latency, error rate, outage) plus a rate limit and documents refused by name.
 */
import { z } from 'zod';
import type { Prng } from '../../domain/prng.js';
import { FAULT_FIELDS, inOutage, noFaultSwitches, reply, switchFaults, type FaultSwitches, type JsonReply, type OutageMode } from '../http/fake-server.js';
import { documentKey } from './fns-api.js';

export const FaultsInputBody = z
  .object({
    clear: z.boolean().optional(),
    ...FAULT_FIELDS,
    rateLimit: z.object({ requests: z.number().int().min(0), retryAfterS: z.number().int().min(0) }).nullable().optional(),
    failDocuments: z
      .array(z.object({ fn: z.string(), fd: z.number().int(), status: z.number().int().min(400).max(499).optional() }))
      .optional(),
  })
  .strict();
export type FaultsInput = z.infer<typeof FaultsInputBody>;

export interface FakeFnsFaults {
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly errorStatus: number;
  /** ISO time the outage ends; null when none is on. */
  readonly outageUntil: string | null;
  readonly outageMode: OutageMode;
  readonly rateLimit: { readonly requests: number; readonly retryAfterS: number } | null;
  readonly failDocuments: readonly { readonly fn: string; readonly fd: number; readonly status: number }[];
}

export interface FnsFaults extends FaultSwitches {
  rateLimit: { requests: number; retryAfterS: number } | null;
  /** `<fn>:<fd>` → the status its request is refused with. */
  failDocuments: Map<string, number>;
}

export const noFaults = (): FnsFaults => ({ ...noFaultSwitches(), rateLimit: null, failDocuments: new Map() });

/** The faults after `input` (`clear` first empties them). */
export function applyFaults(current: FnsFaults, input: FaultsInput): FnsFaults {
  const base = input.clear ? noFaults() : current;
  const f: FnsFaults = { ...base, ...switchFaults(base, input) };
  if (input.rateLimit !== undefined) f.rateLimit = input.rateLimit && input.rateLimit.requests > 0 ? { ...input.rateLimit } : null;
  if (input.failDocuments !== undefined) {
    f.failDocuments = new Map(input.failDocuments.map((d) => [documentKey(d.fn, d.fd), d.status ?? 400]));
  }
  return f;
}

/** The faults as GET /_faults shows them. */
export function viewFaults(f: FnsFaults): FakeFnsFaults {
  return {
    latencyMs: f.latencyMs,
    errorRate: f.errorRate,
    errorStatus: f.errorStatus,
    outageUntil: inOutage(f) ? new Date(f.outageUntil).toISOString() : null,
    outageMode: f.outageMode,
    rateLimit: f.rateLimit ? { ...f.rateLimit } : null,
    failDocuments: [...f.failDocuments].map(([key, status]) => {
      const [fn = '', fd = '0'] = key.split(':');
      return { fn, fd: Number(fd), status };
    }),
  };
}

/** Outage, then rate limit, then error rate: the answer of a request that a fault refuses before any processing. */
export function requestFault(f: FnsFaults, prng: Prng): JsonReply | undefined {
  if (inOutage(f)) return reply(503, { code: 'UNAVAILABLE', message: 'injected outage' });
  if (f.rateLimit && f.rateLimit.requests > 0) {
    const { retryAfterS } = f.rateLimit;
    f.rateLimit.requests -= 1;
    if (f.rateLimit.requests === 0) f.rateLimit = null;
    return reply(429, { code: 'RATE_LIMITED', message: 'injected rate limit' }, { 'retry-after': String(retryAfterS) });
  }
  if (f.errorRate > 0 && prng.nextUint32() / 2 ** 32 < f.errorRate) {
    return reply(f.errorStatus, { code: 'INJECTED_ERROR', message: 'injected error' });
  }
  return undefined;
}
