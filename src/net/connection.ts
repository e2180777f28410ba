/**
 * One connection of either port (§8, §6): read header → read body → handle → reply, repeated until the peer closes or
 * goes idle. The loop knows framing, timers and back-pressure; what a message means is the handler's (the document
 * gateway's handleMessage, the marking listener's handleMarkingMessage), as aedes has one client loop and a handler per
 * packet kind.
 *
 * Works on any Duplex (tests can use a socket pair). Messages are handled one at a time, in order, so replies go out
 * in request order. Reading pauses while
 * - a message is being handled and more bytes have arrived (they wait unframed: a flood costs one chunk, not its frames),
 * - `maxInFlight` messages are received and not answered (a pipelining client), or
 * - the answers already written are not read by the peer (the socket's writable buffer is past its high-water mark,
 *   16 KiB): a client that never reads cannot grow our memory. If it stays so for `writeStallTimeoutMs`, it is closed.
 * Timers are named and never reset by a trickle of bytes: one timer at a time — first byte, then the whole message
 * (armed on its first byte, not per chunk), then idle (armed after the last answer). None is `socket.setTimeout`.
 */
import type { Duplex } from 'node:stream';
import { ProtocolError } from '../../protocol/errors.js';
import { Framer, type Frame } from '../../protocol/framer.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { CloseLog } from './close-log.js';
import { GatewayErrorCodes } from './close-codes.js';

/** Bytes framed at a time: at most ~34 empty messages become frame objects per step. */
const FEED_SLICE = 1024;

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
  /** How long answers may stay unread (reading paused) before the connection is closed as `GW_WRITE_STALLED`. */
  writeStallTimeoutMs: number;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  firstByteTimeoutMs: 10_000,
  messageTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxInFlight: 8,
  maxBodyLength: 32 * 1024 + 42,
  writeStallTimeoutMs: 10_000,
};

/** What a handler decided about one message. `result` labels ofd_gateway_messages_total. */
export type HandlerOutcome =
  | { action: 'reply'; reply: Buffer; result: string; ofdResponseCode?: number; fn?: string; fd?: number }
  | { action: 'none'; result: string }
  | { action: 'close'; code: string; message: string; fn?: string; fd?: number };

/** One whole message in → what to do. `receivedAtMs`: when its first byte arrived (budgets count from there). */
export type FrameHandler = (frame: Frame, receivedAtMs: number) => Promise<HandlerOutcome>;

export interface ConnectionDeps {
  handle: FrameHandler;
  metrics: GatewayMetrics;
  log: Logger;
  closes: CloseLog;
  options: ConnectionOptions;
  /** An ack (a reply with fn, fd and a 1022 code) reached the socket: the write callback succeeded (ack-reports.ts). */
  onAckWritten?: (fn: string, fd: number, code: number) => void;
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
  receivedAtMs: number;
}

export function handleConnection(socket: Duplex, deps: ConnectionDeps): ConnectionHandle {
  const { metrics, log, options } = deps;
  const framer = new Framer({ maxBodyLength: options.maxBodyLength });
  const queue: Pending[] = [];
  /** Bytes read and not yet framed (only while the queue is full or answers are unread; reading is paused then). */
  const inbox: Buffer[] = [];
  let processing = false;
  let peerEnded = false;
  let draining = false;
  let closedFlag = false;
  let message: { startedAt: bigint; receivedAtMs: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  metrics.connections.inc();

  const arm = (ms: number, code: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(code, `${code} after ${ms} ms`), ms);
  };
  const disarm = () => clearTimeout(timer);
  const startMessage = () => {
    message = { startedAt: process.hrtime.bigint(), receivedAtMs: Date.now() };
    arm(options.messageTimeoutMs, GatewayErrorCodes.GW_MESSAGE_TIMEOUT);
  };
  /** Answers written but not yet taken by the peer exceed the socket's high-water mark. */
  const writeBlocked = () => socket.writableNeedDrain;

  function fail(code: string, err: string, extra: { fn?: string; fd?: number; rejected?: boolean } = {}) {
    if (closedFlag) return;
    const { rejected, ...where } = extra;
    deps.closes.closed(code, { err, ...where }, { log, ...(rejected ? { reason: 'rejected' as const } : {}) });
    socket.destroy();
  }

  /** Reading runs only while nothing holds it back: bytes not yet framed, in-flight cap, unread answers, shutdown. */
  function updateReading() {
    if (closedFlag) return;
    const hold = draining || inbox.length > 0 || queue.length >= options.maxInFlight || writeBlocked();
    if (hold && !socket.isPaused()) socket.pause();
    else if (!hold && socket.isPaused()) socket.resume();
  }

  function onDrain() {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    // The peer reads again: a message it had begun gets a fresh message timer (idle is armed when the queue empties).
    if (framer.inMessage) arm(options.messageTimeoutMs, GatewayErrorCodes.GW_MESSAGE_TIMEOUT);
    void pump();
  }

  /** Past the high-water mark: stop reading; only the stall timer runs, so the close says why (`write_stalled`). */
  function watchWrites() {
    if (!writeBlocked() || stallTimer) return;
    socket.pause();
    disarm();
    stallTimer = setTimeout(
      () => fail(GatewayErrorCodes.GW_WRITE_STALLED, `answers unread for ${options.writeStallTimeoutMs} ms (${socket.writableLength} bytes pending)`),
      options.writeStallTimeoutMs,
    );
    socket.once('drain', onDrain);
  }

  function onData(chunk: Buffer) {
    if (draining || closedFlag) return;
    inbox.push(chunk);
    void pump();
  }

  /**
   * Frames the bytes read, a slice at a time, while the in-flight queue has room and answers are being taken: a chunk
   * of 2 000 pipelined probes stays 60 KB of bytes until its turn, not 2 000 frame objects held for as long as the
   * peer does not read. Returns false when the connection was failed.
   */
  function feed(): boolean {
    while (inbox.length && queue.length < options.maxInFlight && !writeBlocked() && !closedFlag) {
      const head = inbox[0]!;
      const slice = head.length <= FEED_SLICE ? head : head.subarray(0, FEED_SLICE);
      if (slice === head) inbox.shift();
      else inbox[0] = head.subarray(FEED_SLICE);
      if (!framer.inMessage) startMessage();
      let frames: Frame[];
      try {
        frames = framer.push(slice);
      } catch (e) {
        const code = e instanceof ProtocolError ? e.code : 'GW_INTERNAL';
        metrics.messages.inc({ result: 'protocol_error' });
        fail(code, (e as Error).message);
        return false;
      }
      const at = message!;
      for (const frame of frames) queue.push({ frame, startedAt: at.startedAt, receivedAtMs: at.receivedAtMs });
      // Bytes after the last whole frame started a new message in this same slice: its own timer from now.
      if (!framer.inMessage) {
        message = undefined;
        disarm();
      } else if (frames.length > 0) startMessage();
    }
    return !closedFlag;
  }

  function written(outcome: Extract<HandlerOutcome, { action: 'reply' }>, startedAt: bigint) {
    return (err?: Error | null) => {
      // Only an ack that reached the socket counts as one: a destroyed or reset connection's ack was never sent.
      if (err || outcome.ofdResponseCode === undefined) return;
      metrics.acks.inc({ code: String(outcome.ofdResponseCode) });
      metrics.ackLatency.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
      if (outcome.fn !== undefined && outcome.fd !== undefined) deps.onAckWritten?.(outcome.fn, outcome.fd, outcome.ofdResponseCode);
    };
  }

  /** Handles one message; false when the connection is to stop (closed, or the handler closed it). */
  async function answer({ frame, startedAt, receivedAtMs }: Pending): Promise<boolean> {
    const outcome = await deps.handle(frame, receivedAtMs);
    if (closedFlag) return false;
    if (outcome.action === 'close') {
      metrics.messages.inc({ result: 'rejected' });
      const where = { ...(outcome.fn ? { fn: outcome.fn } : {}), ...(outcome.fd !== undefined ? { fd: outcome.fd } : {}) };
      fail(outcome.code, outcome.message, { ...where, rejected: true });
      return false;
    }
    metrics.messages.inc({ result: outcome.result });
    if (outcome.action === 'reply') {
      socket.write(outcome.reply, written(outcome, startedAt));
      watchWrites();
      if (outcome.fn) log.debug({ fn: outcome.fn, fd: outcome.fd, code: outcome.ofdResponseCode }, 'answered');
    }
    return true;
  }

  async function pump() {
    // A message is being handled: what arrives meanwhile waits in `inbox`, and reading stops until the handler returns.
    if (processing) return updateReading();
    processing = true;
    try {
      while (feed() && queue.length && !writeBlocked()) {
        if (!(await answer(queue.shift()!))) break;
      }
    } catch (e) {
      log.error({ err: e }, 'message handling failed');
      fail('GW_INTERNAL', (e as Error).message);
    } finally {
      processing = false;
    }
    updateReading();
    if (closedFlag || queue.length || inbox.length || stallTimer) return;
    if (peerEnded && framer.inMessage) {
      return fail(GatewayErrorCodes.GW_PEER_CLOSED_MID_MESSAGE, `peer closed ${framer.pendingBytes} byte(s) into a message`);
    }
    // Half-closed or shutting down: everything asked is answered, so close our side (end() flushes the answers first).
    if (draining) return void socket.end();
    if (!framer.inMessage) arm(options.idleTimeoutMs, GatewayErrorCodes.GW_IDLE_TIMEOUT);
  }

  socket.on('data', onData);
  socket.on('end', () => {
    // Half-close: the peer sent all it will send; answer what is read, then close our side (pump decides when).
    peerEnded = true;
    draining = true;
    disarm();
    void pump();
  });
  socket.on('error', (e) => log.debug({ err: e.message }, 'socket error'));
  socket.on('close', () => {
    closedFlag = true;
    disarm();
    clearTimeout(stallTimer);
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
        if (!processing && !queue.length && !inbox.length) socket.end();
      }
      return closed;
    },
  };
}
