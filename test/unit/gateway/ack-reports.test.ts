// The gateway's ack-report buffer (pure: a sink function stands in for the queue).
import { describe, expect, it } from 'vitest';
import { createAckReporter } from '../../../src/gateway/ack-reports.js';
import type { AckReportJob } from '../../../src/queue/jobs.js';
import { silentLogger } from '../../../src/observability/logger.js';

const FN = '9999078900000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ack reporter', () => {
  it('sends one job per maxAcks acks, and the rest after flushMs', async () => {
    const jobs: AckReportJob[] = [];
    const r = createAckReporter({ sink: async (job) => void jobs.push(job), log: silentLogger(), flushMs: 30, maxAcks: 3, now: () => 1000 });
    for (let fd = 1; fd <= 4; fd++) r.written(FN, fd, fd === 2 ? 14 : 0);
    await sleep(0);
    expect(jobs).toEqual([{ acks: [[FN, 1, 0, 1000], [FN, 2, 14, 1000], [FN, 3, 0, 1000]] }]);
    await sleep(60);
    expect(jobs[1]).toEqual({ acks: [[FN, 4, 0, 1000]] });
    expect(jobs).toHaveLength(2);
    await r.close();
  });

  it('keeps what a failed flush held for the next one, dropping the oldest beyond maxPending', async () => {
    const jobs: AckReportJob[] = [];
    let down = true;
    const sink = async (job: AckReportJob) => {
      if (down) throw new Error('redis down');
      jobs.push(job);
    };
    const r = createAckReporter({ sink, log: silentLogger(), flushMs: 1000, maxAcks: 1000, maxPending: 3, now: () => 7 });
    for (let fd = 1; fd <= 5; fd++) r.written(FN, fd, 0);
    await r.flush();
    expect(jobs).toEqual([]);
    down = false;
    await r.close();
    // FD 1 and 2 were the oldest past the bound of 3.
    expect(jobs).toEqual([{ acks: [[FN, 3, 0, 7], [FN, 4, 0, 7], [FN, 5, 0, 7]] }]);
  });
});
