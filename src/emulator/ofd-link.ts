/**
 * A register's TCP link to the OFD: send one message, wait for one reply message. Either a new connection per message
 * (what most registers do: connect, send, read the reply, close) or one kept-alive connection reused until it fails.
 * A missing reply — refused, closed, or nothing within `timeoutMs` (registers give up after ~3 s, §8) — is a result,
 * not an exception: the caller re-sends.
 */
import net from 'node:net';
import { ProtocolError } from '../../protocol/errors.js';
import { Framer, type Frame } from '../../protocol/framer.js';

export const LinkErrorCodes = {
  /** The connection could not be made. */
  LINK_CONNECT_FAILED: 'LINK_CONNECT_FAILED',
  /** The peer closed (or reset) before a whole reply arrived. */
  LINK_CLOSED: 'LINK_CLOSED',
  /** No whole reply within the timeout. */
  LINK_TIMEOUT: 'LINK_TIMEOUT',
  /** The reply bytes are not a message (bad signature, flags, length). */
  LINK_BAD_FRAME: 'LINK_BAD_FRAME',
} as const;
export type LinkErrorCode = (typeof LinkErrorCodes)[keyof typeof LinkErrorCodes];

export type ExchangeResult = { ok: true; frame: Frame } | { ok: false; code: LinkErrorCode; message: string };

export interface LinkOptions {
  host: string;
  port: number;
  /** Reuse one connection for every message instead of one connection per message. */
  keepAlive: boolean;
  /** Send → whole reply; a connection per message includes the connect. */
  timeoutMs: number;
}

interface Pending {
  resolve: (r: ExchangeResult) => void;
  timer: NodeJS.Timeout;
  socket: net.Socket;
}

export class OfdLink {
  private socket: net.Socket | undefined;
  private framer = new Framer();
  private pending: Pending | undefined;
  private connected = false;
  private lastError: Error | undefined;

  constructor(private readonly o: LinkOptions) {}

  /** Sends `message` and resolves with the first whole message that comes back, or why none did. */
  exchange(message: Buffer): Promise<ExchangeResult> {
    if (this.pending) throw new Error('OfdLink: one exchange at a time');
    const socket = this.socket ?? this.open();
    return new Promise<ExchangeResult>((resolve) => {
      const timer = setTimeout(
        () => this.settle(socket, { ok: false, code: LinkErrorCodes.LINK_TIMEOUT, message: `no reply within ${this.o.timeoutMs} ms` }),
        this.o.timeoutMs,
      );
      this.pending = { resolve, timer, socket };
      socket.write(message);
    });
  }

  /** Closes a kept-alive connection. */
  close(): void {
    this.drop(this.socket);
  }

  private open(): net.Socket {
    const socket = net.connect({ host: this.o.host, port: this.o.port, noDelay: true });
    this.socket = socket;
    this.framer = new Framer();
    this.connected = false;
    this.lastError = undefined;
    socket.on('connect', () => {
      if (this.socket === socket) this.connected = true;
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (e) => {
      if (this.socket === socket) this.lastError = e;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const code = this.connected ? LinkErrorCodes.LINK_CLOSED : LinkErrorCodes.LINK_CONNECT_FAILED;
      const why = this.lastError ? `: ${this.lastError.message}` : '';
      this.settle(socket, { ok: false, code, message: `${this.connected ? 'connection closed before a whole reply' : 'connect failed'}${why}` });
      this.socket = undefined;
    });
    return socket;
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    let frames: Frame[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      this.settle(socket, { ok: false, code: LinkErrorCodes.LINK_BAD_FRAME, message: e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e) });
      return;
    }
    // A reply with no request pending (e.g. a late one after a timeout) is dropped with its connection.
    if (frames.length > 0) this.settle(socket, { ok: true, frame: frames[0]! });
  }

  private settle(socket: net.Socket, result: ExchangeResult): void {
    const p = this.pending;
    if (!p || p.socket !== socket) {
      if (!result.ok || !p) this.drop(socket);
      return;
    }
    this.pending = undefined;
    clearTimeout(p.timer);
    // Per-message connections close once answered; a kept-alive one closes only when something went wrong.
    if (!this.o.keepAlive || !result.ok || this.framer.inMessage) this.drop(socket);
    p.resolve(result);
  }

  private drop(socket: net.Socket | undefined): void {
    if (!socket) return;
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }
}
