// Forwarding yields to storing (issue 12): when a worker process's fns, crpt and notify workers pause and resume, from
// whether its persist worker is backlogged; the lag bound; the timer wiring that acts on the policy.
import { describe, expect, it } from 'vitest';
import { followPersistBacklog, ForwardingYieldPolicy, forwardingYieldSettings } from '../../../src/workers/shared/forwarding-yield.js';
import { silentLogger } from '../../../src/observability/logger.js';

const settings = { maxPauseMs: 30_000, minRunMs: 10_000, clearMs: 500 };

describe('ForwardingYieldPolicy', () => {
  it('pauses at a backlogged sample and resumes once clearMs passed without one', () => {
    const p = new ForwardingYieldPolicy(settings);
    expect(p.sample(false, 0)).toBeUndefined();
    expect(p.sample(true, 250)).toBe('pause');
    expect(p.paused).toBe(true);
    expect(p.sample(false, 500)).toBeUndefined();
    // A backlog again within clearMs holds the pause.
    expect(p.sample(true, 700)).toBeUndefined();
    expect(p.sample(false, 1000)).toBeUndefined();
    expect(p.sample(false, 1199)).toBeUndefined();
    expect(p.sample(false, 1200)).toBe('resume');
    expect(p.paused).toBe(false);
    // Not backlogged: stays running.
    expect(p.sample(false, 5000)).toBeUndefined();
  });

  it('ends a pause after maxPauseMs and then lets forwarding run minRunMs whatever the backlog', () => {
    const p = new ForwardingYieldPolicy(settings);
    expect(p.sample(true, 0)).toBe('pause');
    expect(p.sample(true, 29_999)).toBeUndefined();
    expect(p.sample(true, 30_000)).toBe('resume');
    expect(p.sample(true, 39_999)).toBeUndefined();
    expect(p.sample(true, 40_000)).toBe('pause');
  });

  it('never pauses with maxPauseMs 0', () => {
    const p = new ForwardingYieldPolicy(forwardingYieldSettings(0));
    expect(p.sample(true, 0)).toBeUndefined();
    expect(p.sample(true, 60_000)).toBeUndefined();
    expect(p.paused).toBe(false);
  });

  it('derives the run time and the clear window from OFD_FORWARD_MAX_PAUSE_MS', () => {
    expect(forwardingYieldSettings(30_000)).toEqual({ maxPauseMs: 30_000, minRunMs: 10_000, clearMs: 500 });
  });
});

describe('followPersistBacklog', () => {
  it('pauses every worker while backlogged, resumes them after, and resumes them when stopped', async () => {
    const calls: string[] = [];
    const worker = (name: string) => ({
      pause: () => {
        calls.push(`${name} pause`);
        return Promise.resolve();
      },
      resume: () => void calls.push(`${name} resume`),
    });
    let backlogged = false;
    const changes: boolean[] = [];
    const stop = followPersistBacklog({
      backlogged: () => backlogged,
      workers: [worker('fns'), worker('crpt')],
      settings: { maxPauseMs: 60_000, minRunMs: 1_000, clearMs: 30 },
      logger: silentLogger(),
      onChange: (paused) => changes.push(paused),
      sampleMs: 10,
    });
    const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await tick(40);
    expect(calls).toEqual([]);
    backlogged = true;
    await tick(40);
    expect(calls).toEqual(['fns pause', 'crpt pause']);
    backlogged = false;
    await tick(100);
    expect(calls).toEqual(['fns pause', 'crpt pause', 'fns resume', 'crpt resume']);
    backlogged = true;
    await tick(40);
    stop();
    expect(calls.slice(4)).toEqual(['fns pause', 'crpt pause', 'fns resume', 'crpt resume']);
    expect(changes).toEqual([true, false, true, false]);
  });
});
