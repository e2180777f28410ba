// createLimiter (src/workers/shared/limiter.ts): the crpt worker runs a batch job's sales through it, so that its sales
// in flight stay as many as its one-sale jobs could be.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/workers/shared/limiter.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('createLimiter', () => {
  it('never runs more than its slots at once, runs every task, and starts them in arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 40 }), async (slots, delays) => {
        const limit = createLimiter(slots);
        let running = 0;
        let most = 0;
        const started: number[] = [];
        const results = await Promise.all(
          delays.map((d, i) =>
            limit(async () => {
              started.push(i);
              running += 1;
              most = Math.max(most, running);
              for (let k = 0; k < d; k++) await tick();
              running -= 1;
              return i * 2;
            }),
          ),
        );
        expect(results).toEqual(delays.map((_, i) => i * 2));
        expect(most).toBeLessThanOrEqual(slots);
        // Every task waits at least a tick, so the first `slots` all start before any ends: the slots are used.
        expect(most).toBe(Math.min(slots, delays.length));
        expect(started).toEqual(delays.map((_, i) => i));
      }),
      { numRuns: 100 },
    );
  });

  it('gives the slot of a task that threw to the next one', async () => {
    const limit = createLimiter(1);
    const failed = limit(() => Promise.reject(new Error('boom')));
    const next = limit(() => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    // And the slot is free again afterwards.
    await expect(limit(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
