/**
 * Out of file descriptors: counted, logged, accept paused and resumed with a backoff.
 *
 * libuv hides EMFILE on accept: it closes a reserve descriptor, accepts every pending connection and drops it, and
 * tells Node nothing — registers see a reset, and the process logs nothing. The connection budget keeps register
 * connections below the limit, but descriptors can still run out elsewhere (HTTP clients, a leak). So a cheap probe
 * (open and close /dev/null, once a second) notices the exhaustion; an `accept` error Node does report counts the same.
 * While exhausted the listening socket is closed (new connections are refused at once instead of accepted and reset,
 * and every descriptor freed goes to the connections already open), then re-opened on the same address once the probe
 * succeeds again, after 100 ms, 200 ms, … up to 5 s.
 */
import { closeSync, openSync } from 'node:fs';
import type net from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';

export interface AcceptGuardOptions {
  probeIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Throws an error with code EMFILE / ENFILE when the process is out of descriptors (tests replace it). */
  probe?: () => void;
}

export interface AcceptGuard {
  readonly paused: boolean;
  stop(): void;
}

const isFdExhaustion = (code: unknown): code is 'EMFILE' | 'ENFILE' => code === 'EMFILE' || code === 'ENFILE';

function probeDevNull(): void {
  closeSync(openSync('/dev/null', 'r'));
}

interface GuardDeps {
  listener: string;
  metrics: GatewayMetrics;
  log: Logger;
}

export function guardAccept(server: net.Server, listen: net.ListenOptions, deps: GuardDeps, options: AcceptGuardOptions = {}): AcceptGuard {
  return new FdExhaustionGuard(server, listen, deps, options);
}

class FdExhaustionGuard implements AcceptGuard {
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly probe: () => void;
  private backoffMs: number;
  private isPaused = false;
  private stopped = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly probeTimer: NodeJS.Timeout;

  constructor(
    private readonly server: net.Server,
    private readonly listen: net.ListenOptions,
    private readonly deps: GuardDeps,
    options: AcceptGuardOptions,
  ) {
    this.initialBackoffMs = options.initialBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.probe = options.probe ?? probeDevNull;
    this.backoffMs = this.initialBackoffMs;
    server.on('error', this.onServerError);
    this.probeTimer = setInterval(this.onProbeTick, options.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
  }

  get paused(): boolean {
    return this.isPaused;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.probeTimer);
    clearTimeout(this.resumeTimer);
    this.server.off('error', this.onServerError);
  }

  private readonly onServerError = (e: NodeJS.ErrnoException): void => {
    if (e.syscall === 'accept' && isFdExhaustion(e.code)) this.exhausted(e.code);
  };

  private readonly onProbeTick = (): void => {
    if (this.isPaused || this.stopped) return;
    const code = this.exhaustion();
    if (code) this.exhausted(code);
    else this.backoffMs = this.initialBackoffMs;
  };

  /** The code of the exhaustion, or undefined when a descriptor can be had. */
  private exhaustion(): 'EMFILE' | 'ENFILE' | undefined {
    try {
      this.probe();
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return isFdExhaustion(code) ? code : undefined;
    }
  }

  private exhausted(code: 'EMFILE' | 'ENFILE'): void {
    this.deps.metrics.acceptErrors.inc({ listener: this.deps.listener, code });
    if (this.isPaused || this.stopped) return;
    this.isPaused = true;
    this.deps.log.warn({ code, listener: this.deps.listener, backoffMs: this.backoffMs }, 'out of file descriptors: accepting paused');
    this.server.close();
    this.resumeTimer = setTimeout(this.tryResume, this.backoffMs);
  }

  private retryLater(): void {
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.resumeTimer = setTimeout(this.tryResume, this.backoffMs);
  }

  private readonly tryResume = (): void => {
    if (this.stopped) return;
    const code = this.exhaustion();
    if (code) {
      this.deps.metrics.acceptErrors.inc({ listener: this.deps.listener, code });
      return this.retryLater();
    }
    const onError = (e: NodeJS.ErrnoException) => {
      this.deps.log.warn({ err: e.message, listener: this.deps.listener }, 'could not listen again; retrying');
      this.retryLater();
    };
    this.server.once('error', onError);
    this.server.listen(this.listen, () => {
      this.server.off('error', onError);
      this.isPaused = false;
      this.deps.log.info({ listener: this.deps.listener, pausedForMs: this.backoffMs }, 'accepting resumed');
    });
  };
}
