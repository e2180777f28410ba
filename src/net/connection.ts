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
  return new Connection(socket, deps);
}

type Reply = Extract<HandlerOutcome, { action: 'reply' }>;

/**
 * The state of one connection in fields and its steps in methods: no closure is made per message beyond the write
 * callback of a reply. Handlers given to the socket and to timers are created once, per connection.
 */
class Connection implements ConnectionHandle {
  readonly closed: Promise<void>;
  private readonly metrics: GatewayMetrics;
  private readonly log: Logger;
  private readonly options: ConnectionOptions;
  private readonly framer: Framer;
  private readonly queue: Pending[] = [];
  /** Bytes read and not yet framed (only while the queue is full or answers are unread; reading is paused then). */
  private readonly inbox: Buffer[] = [];
  private processing = false;
  private peerEnded = false;
  private draining = false;
  private closedFlag = false;
  /** The message being received: when its first byte came (hrtime and wall clock). */
  private messageStartedAt: bigint = 0n;
  private messageReceivedAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  /** What the armed `timer` closes the connection as, and after how long. */
  private timerCode = '';
  private timerMs = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private resolveClosed!: () => void;

  constructor(
    private readonly socket: Duplex,
    private readonly deps: ConnectionDeps,
  ) {
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.options = deps.options;
    this.framer = new Framer({ maxBodyLength: this.options.maxBodyLength });
    this.closed = new Promise<void>((r) => (this.resolveClosed = r));
    this.metrics.connections.inc();
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.arm(this.options.firstByteTimeoutMs, GatewayErrorCodes.GW_FIRST_BYTE_TIMEOUT);
  }

  drain(): Promise<void> {
    if (!this.closedFlag) {
      this.draining = true;
      this.socket.pause();
      // A message half received cannot be answered; the register re-sends it to another gateway.
      if (!this.processing && !this.queue.length && !this.inbox.length) this.socket.end();
    }
    return this.closed;
  }

  private arm(ms: number, code: string): void {
    clearTimeout(this.timer);
    this.timerCode = code;
    this.timerMs = ms;
    this.timer = setTimeout(this.onTimer, ms);
  }

  private disarm(): void {
    clearTimeout(this.timer);
  }

  private readonly onTimer = (): void => this.fail(this.timerCode, `${this.timerCode} after ${this.timerMs} ms`);

  private startMessage(): void {
    this.messageStartedAt = process.hrtime.bigint();
    this.messageReceivedAtMs = Date.now();
    this.arm(this.options.messageTimeoutMs, GatewayErrorCodes.GW_MESSAGE_TIMEOUT);
  }

  /** Answers written but not yet taken by the peer exceed the socket's high-water mark. */
  private writeBlocked(): boolean {
    return this.socket.writableNeedDrain;
  }

  private fail(code: string, err: string, extra: { fn?: string; fd?: number; rejected?: boolean } = {}): void {
    if (this.closedFlag) return;
    const { rejected, ...where } = extra;
    this.deps.closes.closed(code, { err, ...where }, { log: this.log, ...(rejected ? { reason: 'rejected' as const } : {}) });
    this.socket.destroy();
  }

  /** Reading runs only while nothing holds it back: bytes not yet framed, in-flight cap, unread answers, shutdown. */
  private updateReading(): void {
    if (this.closedFlag) return;
    const hold = this.draining || this.inbox.length > 0 || this.queue.length >= this.options.maxInFlight || this.writeBlocked();
    if (hold && !this.socket.isPaused()) this.socket.pause();
    else if (!hold && this.socket.isPaused()) this.socket.resume();
  }

  private readonly onDrain = (): void => {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    // The peer reads again: a message it had begun gets a fresh message timer (idle is armed when the queue empties).
    if (this.framer.inMessage) this.arm(this.options.messageTimeoutMs, GatewayErrorCodes.GW_MESSAGE_TIMEOUT);
    void this.pump();
  };

  /** Past the high-water mark: stop reading; only the stall timer runs, so the close says why (`write_stalled`). */
  private watchWrites(): void {
    if (!this.writeBlocked() || this.stallTimer) return;
    this.socket.pause();
    this.disarm();
    this.stallTimer = setTimeout(this.onStall, this.options.writeStallTimeoutMs);
    this.socket.once('drain', this.onDrain);
  }

  private readonly onStall = (): void =>
    this.fail(GatewayErrorCodes.GW_WRITE_STALLED, `answers unread for ${this.options.writeStallTimeoutMs} ms (${this.socket.writableLength} bytes pending)`);

  private readonly onData = (chunk: Buffer): void => {
    if (this.draining || this.closedFlag) return;
    this.inbox.push(chunk);
    void this.pump();
  };

  private readonly onEnd = (): void => {
    // Half-close: the peer sent all it will send; answer what is read, then close our side (pump decides when).
    this.peerEnded = true;
    this.draining = true;
    this.disarm();
    void this.pump();
  };

  private readonly onError = (e: Error): void => this.log.debug({ err: e.message }, 'socket error');

  private readonly onClose = (): void => {
    this.closedFlag = true;
    this.disarm();
    clearTimeout(this.stallTimer);
    this.metrics.connections.dec();
    this.resolveClosed();
  };

  /**
   * Frames the bytes read, a slice at a time, while the in-flight queue has room and answers are being taken: a chunk
   * of 2 000 pipelined probes stays 60 KB of bytes until its turn, not 2 000 frame objects held for as long as the
   * peer does not read. Returns false when the connection was failed.
   */
  private feed(): boolean {
    const { inbox, queue, framer } = this;
    while (inbox.length && queue.length < this.options.maxInFlight && !this.writeBlocked() && !this.closedFlag) {
      const head = inbox[0]!;
      const slice = head.length <= FEED_SLICE ? head : head.subarray(0, FEED_SLICE);
      if (slice === head) inbox.shift();
      else inbox[0] = head.subarray(FEED_SLICE);
      if (!framer.inMessage) this.startMessage();
      let frames: Frame[];
      try {
        frames = framer.push(slice);
      } catch (e) {
        const code = e instanceof ProtocolError ? e.code : 'GW_INTERNAL';
        this.metrics.messages.inc({ result: 'protocol_error' });
        this.fail(code, (e as Error).message);
        return false;
      }
      const startedAt = this.messageStartedAt;
      const receivedAtMs = this.messageReceivedAtMs;
      for (const frame of frames) queue.push({ frame, startedAt, receivedAtMs });
      // Bytes after the last whole frame started a new message in this same slice: its own timer from now.
      if (!framer.inMessage) this.disarm();
      else if (frames.length > 0) this.startMessage();
    }
    return !this.closedFlag;
  }

  private written(outcome: Reply, startedAt: bigint): (err?: Error | null) => void {
    return (err?: Error | null) => {
      // Only an ack that reached the socket counts as one: a destroyed or reset connection's ack was never sent.
      if (err || outcome.ofdResponseCode === undefined) return;
      this.metrics.acks.inc({ code: String(outcome.ofdResponseCode) });
      this.metrics.ackLatency.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
      if (outcome.fn !== undefined && outcome.fd !== undefined) this.deps.onAckWritten?.(outcome.fn, outcome.fd, outcome.ofdResponseCode);
    };
  }

  /** Handles one message; false when the connection is to stop (closed, or the handler closed it). */
  private async answer({ frame, startedAt, receivedAtMs }: Pending): Promise<boolean> {
    const outcome = await this.deps.handle(frame, receivedAtMs);
    if (this.closedFlag) return false;
    if (outcome.action === 'close') {
      this.metrics.messages.inc({ result: 'rejected' });
      const where = { ...(outcome.fn ? { fn: outcome.fn } : {}), ...(outcome.fd !== undefined ? { fd: outcome.fd } : {}) };
      this.fail(outcome.code, outcome.message, { ...where, rejected: true });
      return false;
    }
    this.metrics.messages.inc({ result: outcome.result });
    if (outcome.action === 'reply') {
      this.socket.write(outcome.reply, this.written(outcome, startedAt));
      this.watchWrites();
      if (outcome.fn) this.log.debug({ fn: outcome.fn, fd: outcome.fd, code: outcome.ofdResponseCode }, 'answered');
    }
    return true;
  }

  private async pump(): Promise<void> {
    // A message is being handled: what arrives meanwhile waits in `inbox`, and reading stops until the handler returns.
    if (this.processing) return this.updateReading();
    this.processing = true;
    try {
      while (this.feed() && this.queue.length && !this.writeBlocked()) {
        if (!(await this.answer(this.queue.shift()!))) break;
      }
    } catch (e) {
      this.log.error({ err: e }, 'message handling failed');
      this.fail('GW_INTERNAL', (e as Error).message);
    } finally {
      this.processing = false;
    }
    this.updateReading();
    if (this.closedFlag || this.queue.length || this.inbox.length || this.stallTimer) return;
    if (this.peerEnded && this.framer.inMessage) {
      return this.fail(GatewayErrorCodes.GW_PEER_CLOSED_MID_MESSAGE, `peer closed ${this.framer.pendingBytes} byte(s) into a message`);
    }
    // Half-closed or shutting down: everything asked is answered, so close our side (end() flushes the answers first).
    if (this.draining) return void this.socket.end();
    if (!this.framer.inMessage) this.arm(this.options.idleTimeoutMs, GatewayErrorCodes.GW_IDLE_TIMEOUT);
  }
}
