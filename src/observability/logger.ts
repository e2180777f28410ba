/**
 * Logging (architecture decision 10): one pino root logger per process, a child per connection and per job, so every line
 * of a register's conversation or a job's attempt carries the same context without repeating it at call sites.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable output through pino-pretty (a dev dependency, run in a worker thread). Never in production. */
  readonly pretty?: boolean;
  /** Shows up as `name` on every line; the process role set is a good choice. */
  readonly name?: string;
  /** Where lines go (default stdout); tests pass a stream to read them back. Ignored when `pretty`. */
  readonly destination?: DestinationStream;
}

/** Paths that may hold credentials: HTTP auth headers and the config's secrets, should anyone log them whole. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'config.adminToken',
  'config.crypto.devsignKey',
  'config.databaseUrl',
  'config.redisUrl',
  'config.smtpUrl',
];

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** A logger that drops everything: the default for modules whose caller passed none (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

let connectionCounter = 0;

/**
 * A short id for one TCP connection, unique within the process: the pid keeps ids from two gateway processes apart in
 * merged logs, the counter keeps them ordered. Cheaper than a UUID on the accept path.
 */
export function newConnectionId(): string {
  connectionCounter = (connectionCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${process.pid.toString(36)}-${connectionCounter.toString(36)}`;
}

export interface ConnectionLogContext {
  readonly connectionId: string;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** Which listener accepted it: the document gateway or the marking-code port. */
  readonly listener?: 'gateway' | 'marking';
}

/** Child logger for one register connection; FN/FD go on individual lines once known, never into the binding. */
export function connectionLogger(parent: Logger, context: ConnectionLogContext): Logger {
  return parent.child({
    conn: context.connectionId,
    remote: context.remoteAddress === undefined ? undefined : `${context.remoteAddress}:${context.remotePort ?? ''}`,
    listener: context.listener,
  });
}

const LEVELS = new Set<string | symbol>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = (): void => undefined;

/**
 * A connection logger made only when a line is written at an enabled level. Registers open a connection per message
 * and almost none of them log a line; pino's child() serialises its bindings up front, a cost every accept paid for
 * nothing. Lines that are written carry the same bindings as connectionLogger's (the id is drawn then).
 */
export function lazyConnectionLogger(parent: Logger, context: () => ConnectionLogContext): Logger {
  let child: Logger | undefined;
  const get = (): Logger => (child ??= connectionLogger(parent, context()));
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (child === undefined && typeof prop === 'string' && LEVELS.has(prop) && !parent.isLevelEnabled(prop)) return noop;
      const logger = get();
      const value: unknown = Reflect.get(logger, prop, logger);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
    },
  });
}

export interface JobLogContext {
  readonly queue: string;
  readonly jobId: string | undefined;
  /** 1-based attempt number (BullMQ `attemptsMade + 1` when the processor starts). */
  readonly attempt?: number;
}

/** Child logger for one attempt of one job. */
export function jobLogger(parent: Logger, context: JobLogContext): Logger {
  return parent.child({ queue: context.queue, jobId: context.jobId, attempt: context.attempt });
}
