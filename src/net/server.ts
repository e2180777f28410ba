/**
 * A `node:net` server for register connections (§8) — the document port and the marking port alike: the listener
 * accepts, admits and runs the one connection loop (connection.ts) with the port's handler. `startListener(deps)` →
 * `{ port, close() }`. What a message means is the caller's: the gateway passes handleMessage, the marking listener
 * handleMarkingMessage.
 *
 * Caps, in the order a connection meets them: the process's connection budget (both ports, kept below the
 * file-descriptor limit: connection-budget.ts), the per-address cap and the PROXY protocol header (admission.ts). Every
 * refusal and every close the listener decides is counted by reason and logged without flooding (close-log.ts); running
 * out of descriptors pauses accepting (accept-guard.ts). Half-closed connections are answered (`allowHalfOpen`).
 * close() stops accepting, lets every connection answer what it has in flight, and is bounded by `shutdownTimeoutMs`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { lazyConnectionLogger, newConnectionId } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { guardAccept, type AcceptGuardOptions } from './accept-guard.js';
import { createAdmission, type Admission, type Client } from './admission.js';
import { GatewayErrorCodes } from './close-codes.js';
import { createCloseLog, type CloseLog } from './close-log.js';
import { createConnectionBudget, type ConnectionBudget } from './connection-budget.js';
import { DEFAULT_CONNECTION_OPTIONS, handleConnection, type ConnectionHandle, type ConnectionOptions, type FrameHandler } from './connection.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Open connections of this listener when no shared `budget` is given. */
  maxConnections: number;
  /**
   * Accept queue length. Registers connect once per message; with Node's default (511) a burst of connects overflows it
   * and the kernel drops SYNs, which the client retries only after ≈1 s. The kernel caps it at net.core.somaxconn.
   */
  backlog: number;
  /** 0 = no per-address cap (behind a load balancer without the PROXY protocol every client shares one address). */
  maxConnectionsPerAddress: number;
  /** Expect a PROXY protocol header (v1 or v2) first on every connection, and take the client address from it. */
  proxyProtocol: boolean;
  shutdownTimeoutMs: number;
  connection: ConnectionOptions;
  /** Names the port in logs and in the `listener` label of metrics. */
  listener: 'gateway' | 'marking';
  acceptGuard: AcceptGuardOptions;
}

export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

export const DEFAULT_LISTENER_OPTIONS: ListenerOptions = {
  host: '0.0.0.0',
  port: 4000,
  maxConnections: 20_000,
  backlog: 4096,
  maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  proxyProtocol: false,
  shutdownTimeoutMs: 10_000,
  connection: DEFAULT_CONNECTION_OPTIONS,
  listener: 'gateway',
  acceptGuard: {},
};

export type ListenerOptionsInput = Partial<Omit<ListenerOptions, 'connection'>> & { connection?: Partial<ConnectionOptions> };

export interface ListenerDeps {
  /** What one message means on this port. */
  handler: FrameHandler;
  metrics: GatewayMetrics;
  log: Logger;
  /** Shared by the listeners of one process (main.ts); without it, this listener's own of `maxConnections`. */
  budget?: ConnectionBudget;
  options?: ListenerOptionsInput;
  /** Told of every ack the socket took (ack-reports.ts); the document port only. */
  onAckWritten?: (fn: string, fd: number, code: number) => void;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

/** What every accepted socket of one listener shares. */
interface Accepting {
  readonly deps: ListenerDeps;
  readonly options: ListenerOptions;
  readonly budget: ConnectionBudget;
  readonly admission: Admission;
  readonly closes: CloseLog;
  readonly connections: Set<ConnectionHandle>;
  readonly sockets: Set<net.Socket>;
}

/**
 * No TCP keep-alive: it costs four setsockopt calls on every accepted socket (most registers connect once per message),
 * and it could not find a dead peer before the idle timer closes the connection anyway (first probe after 30 s, the
 * verdict minutes later; idle timeout 60 s). Nagle off: an ack is one small write that must leave at once.
 */
const SERVER_OPTIONS: net.ServerOpts = { noDelay: true, allowHalfOpen: true };

function resolveOptions(input: ListenerOptionsInput | undefined): ListenerOptions {
  return { ...DEFAULT_LISTENER_OPTIONS, ...input, connection: { ...DEFAULT_CONNECTION_OPTIONS, ...input?.connection } };
}

function acceptingFor(deps: ListenerDeps, options: ListenerOptions): Accepting {
  const { listener } = options;
  const closes = createCloseLog({ listener, metrics: deps.metrics, log: deps.log.child({ listener }) });
  const admission = createAdmission(
    { proxyProtocol: options.proxyProtocol, maxConnectionsPerAddress: options.maxConnectionsPerAddress, headerTimeoutMs: options.connection.firstByteTimeoutMs },
    { countRejection: (code, details) => closes.closed(code, details), log: deps.log },
  );
  const budget = deps.budget ?? createConnectionBudget(options.maxConnections);
  return { deps, options, budget, admission, closes, connections: new Set(), sockets: new Set() };
}

/** One accepted socket: a slot of the budget, then admission, then the connection loop. */
function accept(a: Accepting, socket: net.Socket): void {
  if (!a.budget.tryTake()) {
    // Refused at once: the descriptor goes back before the next accept.
    a.closes.closed(GatewayErrorCodes.GW_MAX_CONNECTIONS, { remote: socket.remoteAddress ?? 'unknown' });
    socket.destroy();
    return;
  }
  a.sockets.add(socket);
  socket.on('error', () => undefined);
  socket.once('close', () => {
    a.sockets.delete(socket);
    a.budget.release();
  });
  a.admission.admit(socket, (client) => runConnection(a, socket, client));
}

function runConnection(a: Accepting, socket: net.Socket, client: Client): void {
  const { deps, options } = a;
  const listener = options.listener;
  const log = lazyConnectionLogger(deps.log, () => ({ connectionId: newConnectionId(), remoteAddress: client.address, remotePort: client.port, listener }));
  const connection = handleConnection(socket, {
    handle: deps.handler,
    metrics: deps.metrics,
    log,
    closes: a.closes,
    options: options.connection,
    ...(deps.onAckWritten ? { onAckWritten: deps.onAckWritten } : {}),
  });
  a.connections.add(connection);
  void connection.closed.then(() => a.connections.delete(connection));
}

async function listen(server: net.Server, options: ListenerOptions, log: Logger): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.syscall !== 'accept') log.error({ err: e, listener: options.listener }, 'gateway server error');
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, lets the connections answer what they have in flight (bounded), then cuts the rest. */
async function shutDown(a: Accepting, server: net.Server): Promise<void> {
  const stopped = new Promise<void>((r) => server.close(() => r()));
  const drained = Promise.all([...a.connections].map((c) => c.drain()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((r) => (timer = setTimeout(r, a.options.shutdownTimeoutMs)));
  await Promise.race([drained, timeout]);
  clearTimeout(timer);
  // Whatever is still open after the budget is cut; its register re-sends.
  for (const s of a.sockets) s.destroy();
  await stopped;
  a.closes.stop();
}

export async function startListener(deps: ListenerDeps): Promise<Listener> {
  const options = resolveOptions(deps.options);
  const { listener } = options;
  const a = acceptingFor(deps, options);
  const server = net.createServer(SERVER_OPTIONS, (socket) => accept(a, socket));
  const port = await listen(server, options, deps.log);
  const removePendingWrites = deps.metrics.addPendingWriteSource(listener, () => {
    let bytes = 0;
    for (const s of a.sockets) bytes += s.writableLength;
    return bytes;
  });
  const guard = guardAccept(server, { port, host: options.host, backlog: options.backlog }, { listener, metrics: deps.metrics, log: deps.log }, options.acceptGuard);
  deps.log.info({ port, listener, maxConnections: a.budget.limit, maxConnectionsPerAddress: options.maxConnectionsPerAddress }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        guard.stop();
        removePendingWrites();
        await shutDown(a, server);
      })();
      return closing;
    },
  };
}
