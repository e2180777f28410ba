/**
 * A micro-batcher: items handed in one at a time go out in batches of up to `maxBatch` (in `sizeOf` units), or fewer once
 * the oldest has waited `maxDelayMs`, with at most `maxInFlight` batches running at once. What waits behind the running
 * batches piles up and goes in fuller ones, so the batch size adapts to what the far side takes.
 *
 * `run` settles its items itself (each item carries its own resolve/reject); `fail` is the last resort when `run`
 * throws. Used by the persist worker's document combiner and the fns worker's request batcher.
 */
export interface MicroBatcherOptions<T> {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly maxInFlight: number;
  /** An item's weight against maxBatch. Default 1. A batch always takes at least one item, whatever its weight. */
  readonly sizeOf?: (item: T) => number;
  /**
   * When a running batch ends, start what is pending at once (it has waited for that slot long enough) rather than
   * only what is due. Default false.
   */
  readonly startOnFreeSlot?: boolean;
  /** When draining (close), ignore maxInFlight. Default false. */
  readonly drainBeyondLimit?: boolean;
  readonly run: (items: T[]) => Promise<void>;
  readonly fail: (items: readonly T[], error: unknown) => void;
}

export interface MicroBatcher<T> {
  add(item: T): void;
  /** Starts everything pending and resolves once every batch has ended. */
  drain(): Promise<void>;
  /** Items wait for a batch: every slot is taken (the far side, not the arrivals, sets the pace), or the batcher is held. */
  readonly backlogged: boolean;
  /** While held, no new batch starts (the running ones finish; drain ignores the hold). */
  hold(held: boolean): void;
}

interface Slot<T> {
  readonly item: T;
  /** performance.now() when added. */
  readonly at: number;
  readonly size: number;
}

/** The items of the next batch: whole items up to maxBatch (always at least one), taken off `pending`. */
function take<T>(pending: Slot<T>[], maxBatch: number): { items: T[]; size: number } {
  const items: T[] = [];
  let size = 0;
  while (pending.length > 0 && (items.length === 0 || size + pending[0]!.size <= maxBatch)) {
    const slot = pending.shift()!;
    items.push(slot.item);
    size += slot.size;
  }
  return { items, size };
}

class Batcher<T> implements MicroBatcher<T> {
  private readonly pending: Slot<T>[] = [];
  private readonly running = new Set<Promise<void>>();
  private pendingSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private held = false;

  constructor(private readonly o: MicroBatcherOptions<T>) {}

  hold(held: boolean): void {
    this.held = held;
    if (!held) this.pump();
  }

  get backlogged(): boolean {
    return this.pending.length > 0 && (this.held || this.running.size >= this.o.maxInFlight);
  }

  add(item: T): void {
    const size = this.o.sizeOf?.(item) ?? 1;
    this.pending.push({ item, at: performance.now(), size });
    this.pendingSize += size;
    if (this.pendingSize >= this.o.maxBatch || this.timer === undefined) this.pump();
  }

  async drain(): Promise<void> {
    this.draining = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
    while (this.running.size > 0) {
      await Promise.race(this.running);
      this.pump();
    }
  }

  private hasSlot(): boolean {
    return this.running.size < this.o.maxInFlight || (this.draining && this.o.drainBeyondLimit === true);
  }

  private start(items: T[]): void {
    const p = this.o
      .run(items)
      .catch((e: unknown) => this.o.fail(items, e))
      .finally(() => {
        this.running.delete(p);
        this.pump(this.o.startOnFreeSlot === true);
      });
    this.running.add(p);
  }

  private pump(freedSlot = false): void {
    const { o, pending } = this;
    if (this.held && !this.draining) return;
    const now = performance.now();
    while (pending.length > 0 && this.hasSlot()) {
      const due = this.draining || freedSlot || this.pendingSize >= o.maxBatch || now - pending[0]!.at >= o.maxDelayMs;
      if (!due) break;
      const { items, size } = take(pending, o.maxBatch);
      this.pendingSize -= size;
      this.start(items);
    }
    if (this.timer === undefined && pending.length > 0 && this.running.size < o.maxInFlight) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(0, pending[0]!.at + o.maxDelayMs - now),
      );
    }
  }
}

export function createMicroBatcher<T>(o: MicroBatcherOptions<T>): MicroBatcher<T> {
  return new Batcher(o);
}
