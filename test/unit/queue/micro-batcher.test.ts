import { describe, expect, it } from 'vitest';
import { createMicroBatcher, type MicroBatcherOptions } from '../../../src/queue/micro-batcher.js';

function recorder(options: Partial<MicroBatcherOptions<number>> = {}) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const batcher = createMicroBatcher<number>({
    maxBatch: 3,
    maxDelayMs: 20,
    maxInFlight: 1,
    run: (items) =>
      new Promise<void>((resolve) => {
        batches.push(items);
        releases.push(resolve);
      }),
    fail: () => undefined,
    ...options,
  });
  return { batcher, batches, release: () => releases.shift()?.() };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('createMicroBatcher', () => {
  it('starts no batch while held, even a due one, and starts what waited when released; drain ignores the hold', async () => {
    const { batcher, batches, release } = recorder({ maxInFlight: 2 });
    batcher.hold(true);
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    await tick(40);
    expect(batches).toEqual([]);
    // Held with items waiting: backlogged, though every slot is free.
    expect(batcher.backlogged).toBe(true);
    batcher.hold(false);
    expect(batcher.backlogged).toBe(false);
    expect(batches).toEqual([[1, 2, 3], [4]]);
    release();
    release();
    await tick();
    batcher.hold(true);
    batcher.add(5);
    const drained = batcher.drain();
    expect(batches.at(-1)).toEqual([5]);
    release();
    await drained;
  });

  it('is backlogged only while items wait and every slot is taken', async () => {
    const { batcher, batches, release } = recorder({ maxInFlight: 2 });
    expect(batcher.backlogged).toBe(false);
    // One partial batch waiting for maxDelayMs with a slot free: not backlogged.
    batcher.add(1);
    expect(batcher.backlogged).toBe(false);
    await tick(40);
    expect(batches).toEqual([[1]]);
    // A slot still free: 2-4 start at once, nothing waits.
    for (const n of [2, 3, 4]) batcher.add(n);
    expect(batches).toHaveLength(2);
    expect(batcher.backlogged).toBe(false);
    // Both slots taken and 5 waits.
    batcher.add(5);
    expect(batcher.backlogged).toBe(true);
    release();
    await tick(40);
    // 5 took the freed slot.
    expect(batches.at(-1)).toEqual([5]);
    expect(batcher.backlogged).toBe(false);
    release();
    release();
    await batcher.drain();
  });

  it('starts a full batch at once and a partial one after maxDelayMs', async () => {
    const { batcher, batches, release } = recorder({ maxInFlight: 2 });
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    expect(batches).toEqual([[1, 2, 3]]);
    await tick(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
    release();
    release();
    await batcher.drain();
  });

  it('keeps at most maxInFlight batches running; what waits goes when a slot frees and is due', async () => {
    const { batcher, batches, release } = recorder();
    for (const n of [1, 2, 3, 4, 5, 6, 7]) batcher.add(n);
    expect(batches).toEqual([[1, 2, 3]]);
    release();
    await tick();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    release();
    await tick(40);
    expect(batches.at(-1)).toEqual([7]);
    release();
    await batcher.drain();
  });

  it('startOnFreeSlot: a freed slot takes what waits without waiting for maxDelayMs', async () => {
    const { batcher, batches, release } = recorder({ startOnFreeSlot: true, maxDelayMs: 10_000 });
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    release();
    await tick();
    expect(batches).toEqual([[1, 2, 3], [4]]);
    release();
    await batcher.drain();
  });

  it('weighs items with sizeOf and always takes at least one', async () => {
    const { batcher, batches, release } = recorder({ sizeOf: (n) => n, maxInFlight: 3 });
    for (const n of [5, 1, 1]) batcher.add(n);
    expect(batches).toEqual([[5]]);
    await tick(40);
    expect(batches).toEqual([[5], [1, 1]]);
    release();
    release();
    await batcher.drain();
  });

  it('drain starts everything pending and waits for it', async () => {
    const { batcher, batches, release } = recorder({ maxDelayMs: 10_000 });
    batcher.add(1);
    const drained = batcher.drain();
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    await drained;
  });

  it('hands the items of a batch whose run throws to fail', async () => {
    const failed: number[][] = [];
    const batcher = createMicroBatcher<number>({
      maxBatch: 2,
      maxDelayMs: 1,
      maxInFlight: 1,
      run: () => Promise.reject(new Error('boom')),
      fail: (items) => failed.push([...items]),
    });
    batcher.add(1);
    batcher.add(2);
    await batcher.drain();
    expect(failed).toEqual([[1, 2]]);
  });
});
