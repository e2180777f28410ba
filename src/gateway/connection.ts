/**
 * One register connection (§8): read header → read body → handle → reply, repeated until the peer closes or goes idle.
 *
 * Works on any Duplex (tests can use a socket pair). Messages are handled one at a time, in order, so replies go out
 * in request order; a client that pipelines more than `maxInFlight` messages is paused (TCP back-pressure) until the
 * queue drains. Timers are named and never reset by a trickle of bytes: a slow sender gets `messageTimeoutMs` for the
 * whole message, not per byte.
 */
import type { Duplex } from 'node:stream';
import { ProtocolError } from '../../protocol/errors.js';
import { Framer, type Frame } from '../../protocol/framer.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { GatewayErrorCodes } from './errors.js';
import { handleMessage, type MessageDeps } from './handle-message.js';

export interface ConnectionOptions {
  /** Connect → first byte. Port scanners and half-open sockets are dropped after this. */
  firstByteTimeoutMs: number;
  /** First byte of a message → its last byte. Registers send a message in one go; minutes means a slowloris. */
  messageTimeoutMs: number;
  /** After a reply, how long a kept-alive connection may wait for its next message. */
  idleTimeoutMs: number;
  /** Messages received but not yet answered before reading pauses. */
  maxInFlight: number;
  /** Largest message body accepted (§1.4). */
  maxBodyLength: number;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  firstByteTimeoutMs: 10_000,
  messageTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxInFlight: 8,
  maxBodyLength: 32 * 1024 + 42,
};

export interface ConnectionDeps {
  message: MessageDeps;
  metrics: GatewayMetrics;
  log: Logger;
  options: ConnectionOptions;
}

export interface ConnectionHandle {
  /** Resolves when the connection has closed. */
  closed: Promise<void>;
  /** Graceful shutdown: stop reading, answer what is in flight, then close. */
  drain(): Promise<void>;
}

interface Pending {
  frame: Frame;
  startedAt: bigint;
}

export function handleConnection(socket: Duplex, deps: ConnectionDeps): ConnectionHandle {
  const { metrics, log, options } = deps;
  const framer = new Framer({ maxBodyLength: options.maxBodyLength });
  const queue: Pending[] = [];
  let processing = false;
  let draining = false;
  let closedFlag = false;
  let messageStartedAt: bigint | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  metrics.connections.inc();

  const arm = (ms: number, code: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(code, `${code} after ${ms} ms`), ms);
  };
  const disarm = () => clearTimeout(timer);

  function fail(code: string, message: string) {
    if (closedFlag) return;
    metrics.protocolErrors.inc({ code });
    log.info({ code, err: message }, 'closing connection');
    socket.destroy();
  }

  function onData(chunk: Buffer) {
    if (draining) return;
    if (!framer.inMessage) {
      messageStartedAt = process.hrtime.bigint();
      arm(options.messageTimeoutMs, GatewayErrorCodes.GW_MESSAGE_TIMEOUT);
    }
    let frames: Frame[];
    try {
      frames = framer.push(chunk);
    } catch (e) {
      const code = e instanceof ProtocolError ? e.code : 'GW_INTERNAL';
      metrics.messages.inc({ result: 'protocol_error' });
      return fail(code, (e as Error).message);
    }
    for (const frame of frames) queue.push({ frame, startedAt: messageStartedAt ?? process.hrtime.bigint() });
    // Bytes after the last whole frame started a new message in this same chunk.
    messageStartedAt = framer.inMessage ? process.hrtime.bigint() : undefined;
    if (!framer.inMessage) disarm();
    if (queue.length >= options.maxInFlight) socket.pause();
    void pump();
  }

  async function pump() {
    if (processing) return;
    processing = true;
    try {
      while (queue.length && !closedFlag) {
        const { frame, startedAt } = queue.shift()!;
        const outcome = await handleMessage(frame, deps.message);
        if (closedFlag) break;
        if (outcome.action === 'close') {
          metrics.messages.inc({ result: 'rejected' });
          fail(outcome.code, `${outcome.message}${outcome.fn ? ` (FN ${outcome.fn} FD ${outcome.fd})` : ''}`);
          break;
        }
        metrics.messages.inc({ result: outcome.result });
        if (outcome.action === 'reply') {
          socket.write(outcome.reply);
          if (outcome.ofdResponseCode !== undefined) {
            metrics.acks.inc({ code: String(outcome.ofdResponseCode) });
            metrics.ackLatency.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
          }
          if (outcome.fn) log.debug({ fn: outcome.fn, fd: outcome.fd, code: outcome.ofdResponseCode }, 'acknowledged');
        }
        if (queue.length < options.maxInFlight && socket.isPaused() && !draining) socket.resume();
      }
    } catch (e) {
      log.error({ err: e }, 'message handling failed');
      fail('GW_INTERNAL', (e as Error).message);
    } finally {
      processing = false;
    }
    if (closedFlag) return;
    if (draining) return void socket.end();
    if (!framer.inMessage && !queue.length) arm(options.idleTimeoutMs, GatewayErrorCodes.GW_IDLE_TIMEOUT);
  }

  socket.on('data', onData);
  socket.on('end', () => {
    // Half-close: the peer sent all it will send; answer what is queued, then close our side.
    if (framer.inMessage) fail(GatewayErrorCodes.GW_PEER_CLOSED_MID_MESSAGE, `peer closed ${framer.pendingBytes} byte(s) into a message`);
    else if (!processing && !queue.length) socket.end();
    else draining = true;
  });
  socket.on('error', (e) => log.debug({ err: e.message }, 'socket error'));
  socket.on('close', () => {
    closedFlag = true;
    disarm();
    metrics.connections.dec();
    resolveClosed();
  });
  arm(options.firstByteTimeoutMs, GatewayErrorCodes.GW_FIRST_BYTE_TIMEOUT);

  return {
    closed,
    drain() {
      if (!closedFlag) {
        draining = true;
        socket.pause();
        // A message half received cannot be answered; the register re-sends it to another gateway.
        if (!processing && !queue.length) socket.end();
      }
      return closed;
    },
  };
}
