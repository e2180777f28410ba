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

  it('counts pauses separated by runs shorter than minRunMs as one: a backlog with short gaps cannot hold forwarding', () => {
    const p = new ForwardingYieldPolicy(settings);
    // Backlogged except for 0.5 s gaps every 5 s: each gap ends a pause, the next sample starts another.
    const pauses: number[] = [];
    const resumes: number[] = [];
    for (let now = 0; now <= 44_000; now += 250) {
      const gap = now % 5_000 >= 4_500;
      const change = p.sample(!gap, now);
      if (change === 'pause') pauses.push(now);
      if (change === 'resume') resumes.push(now);
    }
    // Each gap of 0.5 s ends a pause, and the next sample starts another: one episode from 0.
    expect(pauses.slice(0, 3)).toEqual([0, 5_000, 10_000]);
    expect(resumes.slice(0, 3)).toEqual([4_750, 9_750, 14_750]);
    // The episode reaches 30 s: no pause from then until a run of 10 s has passed, whatever the backlog.
    expect(pauses.filter((t) => t >= 29_750)).toEqual([40_000]);
    expect(resumes.at(-1)).toBe(29_750);
  });

  it('starts a new episode once forwarding ran minRunMs', () => {
    const p = new ForwardingYieldPolicy(settings);
    expect(p.sample(true, 0)).toBe('pause');
    expect(p.sample(false, 20_000)).toBe('resume');
    // Ran 10 s: the next pause has a full 30 s again.
    expect(p.sample(true, 30_000)).toBe('pause');
    expect(p.sample(true, 59_999)).toBeUndefined();
    expect(p.sample(true, 60_000)).toBe('resume');
  });

  it('never pauses with maxPauseMs 0', () => {
    const p = new ForwardingYieldPolicy(forwardingYieldSettings(0));
    expect(p.sample(true, 0)).toBeUndefined();
    expect(p.sample(true, 60_000)).toBeUndefined();
    expect(p.paused).toBe(false);
  });

  it('derives the run time and the clear window from OFD_FORWARD_MAX_PAUSE_MS', () => {
    expect(forwardingYieldSettings(30_000)).toEqual({ maxPauseMs: 30_000, minRunMs: 10_000, clearMs: 500, confirmSamples: 2 });
  });

  it('with confirmSamples 2, pauses at the second backlogged sample in a row: a lone one does not pause', () => {
    const p = new ForwardingYieldPolicy({ ...settings, confirmSamples: 2 });
    expect(p.sample(true, 0)).toBeUndefined();
    expect(p.sample(false, 250)).toBeUndefined();
    expect(p.sample(true, 500)).toBeUndefined();
    expect(p.sample(false, 750)).toBeUndefined();
    expect(p.paused).toBe(false);
    expect(p.sample(true, 1000)).toBeUndefined();
    expect(p.sample(true, 1250)).toBe('pause');
    // Once paused, a lone clear sample does not end it (clearMs does), and the run count starts again after a resume.
    expect(p.sample(false, 1500)).toBeUndefined();
    expect(p.sample(true, 1600)).toBeUndefined();
    expect(p.sample(false, 2100)).toBe('resume');
    expect(p.sample(true, 2350)).toBeUndefined();
    expect(p.sample(true, 2600)).toBe('pause');
  });

  it('takes confirmSamples below 1 as 1: a clear sample never starts a pause', () => {
    const p = new ForwardingYieldPolicy({ ...settings, confirmSamples: 0 });
    expect(p.sample(false, 0)).toBeUndefined();
    expect(p.sample(true, 250)).toBe('pause');
  });
});

describe('followPersistBacklog', () => {
  it('pauses every worker while backlogged and resumes them after; stopping ends the sampling only', async () => {
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
    backlogged = false;
    await tick(100);
    // Left paused: each worker's close opens its gate (shutdown does not start forwarding again).
    expect(calls.slice(4)).toEqual(['fns pause', 'crpt pause']);
    expect(changes).toEqual([true, false, true]);
  });
});
