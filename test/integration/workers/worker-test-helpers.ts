// Real DocumentJobs built from real signed containers (test/support/kkt.ts), for the persist worker tests.
import type { Queue } from 'bullmq';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { documentsOfFnsBatch } from '../../../src/queue/fns-jobs.js';
import { ascii, fvln, receiptChildren, signedMessage, stlv, u8, vln } from '../../support/kkt.js';

export const FN_A = '9999078900012345';
export const FN_B = '9999078900054321';

/** The container as the gateway enqueues it: the message without its 30-byte session header. */
export function realJob(fn: string, fd: number, children: Buffer[] = receiptChildren(fn, fd), form = 3): DocumentJob {
  const msg = signedMessage({ fn, fd, form, children });
  return {
    fn,
    fd,
    form,
    receivedAt: new Date().toISOString(),
    container: msg.subarray(30).toString('base64'),
    sessionHeader: msg.subarray(0, 30).toString('base64'),
    crypto: 'devsign',
    signStatus: 'verified',
    flk: { ok: true, codes: [] },
  };
}

export const MARKING_CODE = '0104600439931256215Ntdc+x1PA9cHd';

/**
 * A receipt whose second item has a fractional quantity with a trailing zero (2.470 kg), a marking code, and a buyer
 * e-mail (1008).
 */
export function richReceiptChildren(fn: string, fd: number): Buffer[] {
  const base = receiptChildren(fn, fd);
  const item = stlv(
    1059,
    ascii(1030, 'Cheese'),
    vln(1079, 100000),
    fvln(1023, 2470, 3),
    vln(1043, 247000),
    u8(1199, 1),
    u8(1212, 1),
    u8(1214, 4),
    stlv(1163, ascii(1305, MARKING_CODE)),
  );
  // After the receipt's own items (index 11, 12 in receiptChildren), before the totals; totals are not re-checked here.
  return [...base.slice(0, 13), item, ...base.slice(13), ascii(1008, 'buyer@example.com')];
}

export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() - started > timeoutMs) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What the `fns` queue holds waiting: its jobs, and the documents they carry (issue 12: one batch job per persist job;
 * a retried persist job may carry a document again, which PostgreSQL's fns_status makes harmless).
 */
export async function fnsWaiting(queue: Queue): Promise<{ jobs: number; copies: number; documents: Set<string> }> {
  const jobs = await queue.getJobs(['waiting']);
  const keys = jobs.flatMap((j) => documentsOfFnsBatch(j.data).map((d) => `${(d as { fn: string }).fn}:${(d as { fd: number }).fd}`));
  return { jobs: jobs.length, copies: keys.length, documents: new Set(keys) };
}
