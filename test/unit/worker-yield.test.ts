// Storing yields to acknowledging under npm start (issue 12): when the worker children pause and resume, from the
// gateway children's event-loop utilization; the lag bound; silence of the gateways.
import { describe, expect, it } from 'vitest';
import { YieldPolicy } from '../../src/cluster/worker-yield.js';

const settings = { highElu: 0.85, lowElu: 0.6, maxPauseMs: 10_000, minRunMs: 5_000, staleMs: 2_000 };

describe('YieldPolicy', () => {
  it('pauses when the busiest gateway child reaches the high mark and resumes only when all are below the low mark', () => {
    const p = new YieldPolicy(settings);
    expect(p.report(1, 0.5, 0)).toBeUndefined();
    expect(p.report(2, 0.84, 500)).toBeUndefined();
    expect(p.report(2, 0.9, 1000)).toBe('pause');
    expect(p.paused).toBe(true);
    // Between the marks: stays paused (no flapping around one threshold).
    expect(p.report(2, 0.7, 1500)).toBeUndefined();
    // Child 1 last said 0.5, child 2 now 0.3: both below the low mark.
    expect(p.report(2, 0.3, 2000)).toBe('resume');
    expect(p.paused).toBe(false);
  });

  it('says a gateway child is busy while the busiest fresh report is at or above the low mark', () => {
    const p = new YieldPolicy(settings);
    expect(p.busy(0)).toBe(false);
    p.report(1, 0.59, 0);
    expect(p.busy(0)).toBe(false);
    p.report(2, 0.6, 100);
    expect(p.busy(100)).toBe(true);
    // Child 2's report goes stale (staleMs 2 s): only child 1's 0.59 counts.
    p.report(1, 0.59, 2_000);
    expect(p.busy(2_101)).toBe(false);
  });

  it('holds a pause while one child of several is busy', () => {
    const p = new YieldPolicy(settings);
    expect(p.report(1, 0.95, 0)).toBe('pause');
    expect(p.report(2, 0.1, 100)).toBeUndefined();
    expect(p.report(1, 0.65, 600)).toBeUndefined();
    expect(p.report(1, 0.59, 1100)).toBe('resume');
  });

  it('ends a pause after maxPauseMs and then lets the workers run minRunMs whatever the load', () => {
    const p = new YieldPolicy(settings);
    expect(p.report(1, 1, 0)).toBe('pause');
    expect(p.report(1, 1, 9_999)).toBeUndefined();
    expect(p.report(1, 1, 10_000)).toBe('resume');
    expect(p.report(1, 1, 14_999)).toBeUndefined();
    expect(p.report(1, 1, 15_000)).toBe('pause');
  });

  it('resumes when the gateway children fall silent or are gone', () => {
    const p = new YieldPolicy(settings);
    expect(p.report(1, 1, 0)).toBe('pause');
    expect(p.decide(2_000)).toBeUndefined();
    expect(p.decide(2_001)).toBe('resume');
    expect(p.report(3, 1, 3_000)).toBe('pause');
    expect(p.forget(3, 3_100)).toBe('resume');
  });
});
