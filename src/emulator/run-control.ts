/**
 * Stop signal and stop-aware sleeps for one run. Every register sleeps through here, so a deadline or Ctrl-C wakes
 * them all at once; the sleepers are a Set, not racing promises, so millions of sleeps leave nothing behind.
 */
export class RunControl {
  private stoppedFlag = false;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly durationMs: number | undefined,
    signal: AbortSignal | undefined,
  ) {
    if (signal) {
      if (signal.aborted) this.stop();
      else signal.addEventListener('abort', () => this.stop(), { once: true });
    }
  }

  /** Starts the clock of `durationMs` (set-up before it, such as prebuilding documents, does not count). */
  start(): void {
    if (this.durationMs !== undefined && Number.isFinite(this.durationMs) && !this.stoppedFlag) {
      this.deadlineTimer = setTimeout(() => this.stop(), this.durationMs);
    }
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  stop(): void {
    if (this.stoppedFlag) return;
    this.stoppedFlag = true;
    clearTimeout(this.deadlineTimer);
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleepers.clear();
  }

  /** Resolves after `ms`, or at once when the run stops. */
  sleep(ms: number): Promise<void> {
    if (this.stoppedFlag || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const s = {
        timer: setTimeout(() => {
          this.sleepers.delete(s);
          resolve();
        }, ms),
        resolve,
      };
      this.sleepers.add(s);
    });
  }

  /** Clears the deadline timer so a finished run does not keep the process alive. */
  dispose(): void {
    clearTimeout(this.deadlineTimer);
  }
}
