/**
 * The gateway role: a `node:net` server for register connections (§8). `startGateway(deps)` → `{ port, close() }`.
 * Caps: total connections (`server.maxConnections`) and connections per client address (admission.ts, which also reads
 * the PROXY protocol header when a load balancer sends one). close() stops accepting,
 * lets every connection answer what it has in flight, and is bounded by `shutdownTimeoutMs`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { connectionLogger, newConnectionId } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { DEFAULT_CONNECTION_OPTIONS, handleConnection, type ConnectionHandle, type ConnectionOptions } from './connection.js';
import { createAdmission } from './admission.js';
import type { MessageDeps } from './handle-message.js';

export interface GatewayOptions {
  host: string;
  port: number;
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
  listener: 'gateway' | 'marking';
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  host: '0.0.0.0',
  port: 4000,
  maxConnections: 20_000,
  backlog: 4096,
  maxConnectionsPerAddress: 0,
  proxyProtocol: false,
  shutdownTimeoutMs: 10_000,
  connection: DEFAULT_CONNECTION_OPTIONS,
  listener: 'gateway',
};

export interface GatewayDeps {
  message: MessageDeps;
  metrics: GatewayMetrics;
  log: Logger;
  options?: Partial<GatewayOptions>;
}

export interface Gateway {
  port: number;
  close(): Promise<void>;
}

export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const options: GatewayOptions = { ...DEFAULT_GATEWAY_OPTIONS, ...deps.options };
  const connections = new Set<ConnectionHandle>();
  const sockets = new Set<net.Socket>();
  const admission = createAdmission(
    { proxyProtocol: options.proxyProtocol, maxConnectionsPerAddress: options.maxConnectionsPerAddress, headerTimeoutMs: options.connection.firstByteTimeoutMs },
    { countRejection: (code) => deps.metrics.protocolErrors.inc({ code }), log: deps.log },
  );
  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    admission.admit(socket, (client) => {
      const log = connectionLogger(deps.log, {
        connectionId: newConnectionId(),
        remoteAddress: client.address,
        remotePort: client.port,
        listener: options.listener,
      });
      const handle = handleConnection(socket, { message: deps.message, metrics: deps.metrics, log, options: options.connection });
      connections.add(handle);
      void handle.closed.then(() => connections.delete(handle));
    });
  });
  server.maxConnections = options.maxConnections;
  server.on('error', (e) => deps.log.error({ err: e }, 'gateway server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  deps.log.info({ port, listener: options.listener }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((r) => server.close(() => r()));
        const drained = Promise.all([...connections].map((c) => c.drain()));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((r) => (timer = setTimeout(r, options.shutdownTimeoutMs)));
        await Promise.race([drained, timeout]);
        clearTimeout(timer);
        // Whatever is still open after the budget is cut; its register re-sends.
        for (const s of sockets) s.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}
