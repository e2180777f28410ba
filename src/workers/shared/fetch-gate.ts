/**
 * Holds jobs while a worker is paused. BullMQ's pause stops the fetch loop, but a fetch already waiting for a job (an
 * idle worker blocks on Redis) still hands over the job that arrives: that job waits here, its lock renewed, until the
 * pause ends. Closing the worker opens the gate, so shutdown never waits on a pause.
 */
import type { Worker } from 'bullmq';

export class FetchGate {
  private waiters: (() => void)[] = [];
  private closed = false;

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.closed = false;
    for (const release of this.waiters.splice(0)) release();
  }

  /** Resolves at once when open (undefined: no promise to await), else when the gate opens. */
  pass(): Promise<void> | undefined {
    return this.closed ? new Promise<void>((release) => this.waiters.push(release)) : undefined;
  }

  /** A Worker's processor that first passes the gate. */
  guard<A extends unknown[], R>(processor: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      await this.pass();
      return processor(...args);
    };
  }
}

/** What a worker that yields offers: the forwarding workers (forwarding-yield.ts), the persist worker. */
export interface PauseControls {
  pause(): Promise<void>;
  resume(): void;
}

/**
 * pause/resume of a stock Worker with its gate: jobs already running finish (doNotWaitActive), a job fetched from here
 * on waits at the gate. Both do nothing once `closing()` says the worker is shutting down.
 */
export function pauseControls(worker: Worker, gate: FetchGate, closing: () => boolean): PauseControls {
  return {
    pause: () => {
      if (closing()) return Promise.resolve();
      gate.close();
      return worker.pause(true);
    },
    resume: () => {
      if (closing()) return;
      gate.open();
      void worker.resume();
    },
  };
}
