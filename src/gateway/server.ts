/**
 * A `node:net` server for register connections (§8) — the document port and the marking port alike: the listener
 * accepts, admits and runs the one connection loop (connection.ts) with the port's handler. `startGateway(deps)` →
 * `{ port, close() }`.
 *
 * Caps, in the order a connection meets them: the process's connection budget (both ports, kept below the
 * file-descriptor limit: connection-budget.ts), the per-address cap and the PROXY protocol header (admission.ts). Every
 * refusal and every close the gateway decides is counted by reason and logged without flooding (close-log.ts); running
 * out of descriptors pauses accepting (accept-guard.ts). Half-closed connections are answered (`allowHalfOpen`).
 * close() stops accepting, lets every connection answer what it has in flight, and is bounded by `shutdownTimeoutMs`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { lazyConnectionLogger, newConnectionId } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { guardAccept, type AcceptGuardOptions } from './accept-guard.js';
import { createAdmission } from './admission.js';
import { createCloseLog } from './close-log.js';
import { createConnectionBudget, type ConnectionBudget } from './connection-budget.js';
import { DEFAULT_CONNECTION_OPTIONS, handleConnection, type ConnectionHandle, type ConnectionOptions, type FrameHandler } from './connection.js';
import { GatewayErrorCodes } from './errors.js';
import { handleMessage, type MessageDeps } from './handle-message.js';

export interface GatewayOptions {
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

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
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

export type GatewayOptionsInput = Partial<Omit<GatewayOptions, 'connection'>> & { connection?: Partial<ConnectionOptions> };

export interface GatewayDeps {
  /** The document port's message handling; the loop's handler unless `handler` is given. */
  message?: MessageDeps;
  /** What one message means on this port (the marking listener passes its own). */
  handler?: FrameHandler;
  metrics: GatewayMetrics;
  log: Logger;
  /** Shared by the listeners of one process (main.ts); without it, this listener's own of `maxConnections`. */
  budget?: ConnectionBudget;
  options?: GatewayOptionsInput;
  /** Told of every ack the socket took (ack-reports.ts); the document port only. */
  onAckWritten?: (fn: string, fd: number, code: number) => void;
}

export interface Gateway {
  port: number;
  close(): Promise<void>;
}

function handlerOf(deps: GatewayDeps): FrameHandler {
  if (deps.handler) return deps.handler;
  const message = deps.message;
  if (!message) throw new Error('startGateway needs a handler or message deps');
  return (frame) => handleMessage(frame, message);
}

export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const options: GatewayOptions = {
    ...DEFAULT_GATEWAY_OPTIONS,
    ...deps.options,
    connection: { ...DEFAULT_CONNECTION_OPTIONS, ...deps.options?.connection },
  };
  const { listener } = options;
  const handle = handlerOf(deps);
  const budget = deps.budget ?? createConnectionBudget(options.maxConnections);
  const connections = new Set<ConnectionHandle>();
  const sockets = new Set<net.Socket>();
  const closes = createCloseLog({ listener, metrics: deps.metrics, log: deps.log.child({ listener }) });
  const admission = createAdmission(
    { proxyProtocol: options.proxyProtocol, maxConnectionsPerAddress: options.maxConnectionsPerAddress, headerTimeoutMs: options.connection.firstByteTimeoutMs },
    { countRejection: (code, details) => closes.closed(code, details), log: deps.log },
  );
  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000, allowHalfOpen: true }, (socket) => {
    if (!budget.tryTake()) {
      // Refused at once: the descriptor goes back before the next accept.
      closes.closed(GatewayErrorCodes.GW_MAX_CONNECTIONS, { remote: socket.remoteAddress ?? 'unknown' });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      budget.release();
    });
    admission.admit(socket, (client) => {
      const log = lazyConnectionLogger(deps.log, () => ({ connectionId: newConnectionId(), remoteAddress: client.address, remotePort: client.port, listener }));
      const connection = handleConnection(socket, {
        handle,
        metrics: deps.metrics,
        log,
        closes,
        options: options.connection,
        ...(deps.onAckWritten ? { onAckWritten: deps.onAckWritten } : {}),
      });
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.syscall !== 'accept') deps.log.error({ err: e, listener }, 'gateway server error');
  });
  const port = (server.address() as AddressInfo).port;
  const removePendingWrites = deps.metrics.addPendingWriteSource(listener, () => {
    let bytes = 0;
    for (const s of sockets) bytes += s.writableLength;
    return bytes;
  });
  const guard = guardAccept(server, { port, host: options.host, backlog: options.backlog }, { listener, metrics: deps.metrics, log: deps.log }, options.acceptGuard);
  deps.log.info({ port, listener, maxConnections: budget.limit, maxConnectionsPerAddress: options.maxConnectionsPerAddress }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        guard.stop();
        removePendingWrites();
        const stopped = new Promise<void>((r) => server.close(() => r()));
        const drained = Promise.all([...connections].map((c) => c.drain()));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((r) => (timer = setTimeout(r, options.shutdownTimeoutMs)));
        await Promise.race([drained, timeout]);
        clearTimeout(timer);
        // Whatever is still open after the budget is cut; its register re-sends.
        for (const s of sockets) s.destroy();
        await stopped;
        closes.stop();
      })();
      return closing;
    },
  };
}
