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

export function guardAccept(
  server: net.Server,
  listen: net.ListenOptions,
  deps: { listener: string; metrics: GatewayMetrics; log: Logger },
  options: AcceptGuardOptions = {},
): AcceptGuard {
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const probe = options.probe ?? probeDevNull;
  let backoffMs = initialBackoffMs;
  let paused = false;
  let stopped = false;
  let resumeTimer: NodeJS.Timeout | undefined;

  /** The code of the exhaustion, or undefined when a descriptor can be had. */
  function exhaustion(): 'EMFILE' | 'ENFILE' | undefined {
    try {
      probe();
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return isFdExhaustion(code) ? code : undefined;
    }
  }

  function exhausted(code: 'EMFILE' | 'ENFILE'): void {
    deps.metrics.acceptErrors.inc({ listener: deps.listener, code });
    if (paused || stopped) return;
    paused = true;
    deps.log.warn({ code, listener: deps.listener, backoffMs }, 'out of file descriptors: accepting paused');
    server.close();
    resumeTimer = setTimeout(tryResume, backoffMs);
  }

  function retryLater(): void {
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    resumeTimer = setTimeout(tryResume, backoffMs);
  }

  function tryResume(): void {
    if (stopped) return;
    const code = exhaustion();
    if (code) {
      deps.metrics.acceptErrors.inc({ listener: deps.listener, code });
      return retryLater();
    }
    const onError = (e: NodeJS.ErrnoException) => {
      deps.log.warn({ err: e.message, listener: deps.listener }, 'could not listen again; retrying');
      retryLater();
    };
    server.once('error', onError);
    server.listen(listen, () => {
      server.off('error', onError);
      paused = false;
      deps.log.info({ listener: deps.listener, pausedForMs: backoffMs }, 'accepting resumed');
    });
  }

  const onServerError = (e: NodeJS.ErrnoException) => {
    if (e.syscall === 'accept' && isFdExhaustion(e.code)) exhausted(e.code);
  };
  server.on('error', onServerError);
  const probeTimer = setInterval(() => {
    if (paused || stopped) return;
    const code = exhaustion();
    if (code) exhausted(code);
    else backoffMs = initialBackoffMs;
  }, options.probeIntervalMs ?? 1000);
  probeTimer.unref();

  return {
    get paused() {
      return paused;
    },
    stop() {
      stopped = true;
      clearInterval(probeTimer);
      clearTimeout(resumeTimer);
      server.off('error', onServerError);
    },
  };
}
