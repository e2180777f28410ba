/**
 * Streaming framer: bytes in any chunking → whole messages (session header + body), or a typed error.
 *
 * Lessons from pg-protocol's parser: the announced length is checked the moment the 30 header bytes are in, before a
 * single body byte is buffered; every frame is an owned copy (one allocation per frame, never a view into a chunk the
 * socket may reuse). A slow sender costs at most one header buffer plus its own frame's bytes — nothing grows past that.
 * After an error the framer stays failed: the connection it serves must be closed.
 */
import { MAX_CONTAINER_LENGTH } from './container.js';
import { ProtocolError } from './errors.js';
import { checkHeaderPrefix, decodeSessionHeader, encodeSessionHeader, SESSION_HEADER_LENGTH, verifySessionCrc, type SessionHeader } from './session-header.js';

export interface Frame {
  header: SessionHeader;
  /** The whole message, owned: 30 header bytes then the body. */
  bytes: Buffer;
  /** The body (a view into `bytes`). */
  body: Buffer;
  /** Offset of the frame's first byte in the stream. */
  streamOffset: number;
}

export interface FramerOptions {
  /** Largest body accepted; a larger announced length is `PROTO_FRAME_TOO_LARGE` (§1.4). Default: one full container. */
  maxBodyLength?: number;
}

export const DEFAULT_MAX_BODY_LENGTH = MAX_CONTAINER_LENGTH;

export class Framer {
  private readonly maxBodyLength: number;
  private readonly headerBuf = Buffer.allocUnsafe(SESSION_HEADER_LENGTH);
  private headerFill = 0;
  /** Frame being filled once its header is known. */
  private frame: Buffer | undefined;
  private frameHeader: SessionHeader | undefined;
  private frameFill = 0;
  private frameStart = 0;
  private consumed = 0;
  private failure: ProtocolError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.maxBodyLength = opts.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  }

  /** Bytes of a message received so far but not yet complete (0 between messages). */
  get pendingBytes(): number {
    return this.frame ? this.frameFill : this.headerFill;
  }

  /** True once the first byte of a message has arrived and until that message is complete. */
  get inMessage(): boolean {
    return this.pendingBytes > 0;
  }

  /** Feeds a chunk; returns the messages it completed, in order. Throws `ProtocolError` (and stays failed). */
  push(chunk: Buffer): Frame[] {
    if (this.failure) throw this.failure;
    const out: Frame[] = [];
    try {
      let off = 0;
      while (off < chunk.length) {
        if (!this.frame) {
          if (this.headerFill === 0 && chunk.length - off >= SESSION_HEADER_LENGTH) {
            // Fast path: the header is whole in this chunk; maybe the body too.
            const header = this.beginFrame(chunk, off, this.consumed + off);
            const total = SESSION_HEADER_LENGTH + header.bodyLength;
            if (chunk.length - off >= total) {
              chunk.copy(this.frame!, 0, off, off + total);
              off += total;
              out.push(this.finishFrame());
              continue;
            }
            chunk.copy(this.frame!, 0, off, off + SESSION_HEADER_LENGTH);
            this.frameFill = SESSION_HEADER_LENGTH;
            off += SESSION_HEADER_LENGTH;
            continue;
          }
          const take = Math.min(SESSION_HEADER_LENGTH - this.headerFill, chunk.length - off);
          chunk.copy(this.headerBuf, this.headerFill, off, off + take);
          this.headerFill += take;
          off += take;
          if (this.headerFill < SESSION_HEADER_LENGTH) {
            checkHeaderPrefix(this.headerBuf, this.headerFill, this.consumed + off - this.headerFill);
            break;
          }
          this.beginFrame(this.headerBuf, 0, this.consumed + off - SESSION_HEADER_LENGTH);
          this.headerBuf.copy(this.frame!, 0);
          this.frameFill = SESSION_HEADER_LENGTH;
          this.headerFill = 0;
        }
        const frame = this.frame!;
        if (this.frameFill < frame.length) {
          const take = Math.min(frame.length - this.frameFill, chunk.length - off);
          chunk.copy(frame, this.frameFill, off, off + take);
          this.frameFill += take;
          off += take;
        }
        if (this.frameFill === frame.length) out.push(this.finishFrame());
      }
      this.consumed += chunk.length;
      return out;
    } catch (e) {
      this.failure = e instanceof ProtocolError ? e : new ProtocolError('PROTO_BAD_CONTAINER', String(e));
      throw this.failure;
    }
  }

  /** The stream ended: a partial message is `PROTO_TRUNCATED`. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.inMessage) {
      this.failure = new ProtocolError('PROTO_TRUNCATED', `stream ended ${this.pendingBytes} byte(s) into a message`, this.consumed);
      throw this.failure;
    }
  }

  private beginFrame(buf: Buffer, off: number, streamOffset: number): SessionHeader {
    let header: SessionHeader;
    try {
      header = decodeSessionHeader(buf, off);
    } catch (e) {
      if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.message.replace(/ \(at byte \d+\)$/, ''), streamOffset + (e.offset ?? 0) - off);
      throw e;
    }
    if (header.bodyLength > this.maxBodyLength) {
      throw new ProtocolError('PROTO_FRAME_TOO_LARGE', `announced body of ${header.bodyLength} bytes exceeds ${this.maxBodyLength}`, streamOffset + 24);
    }
    this.frame = Buffer.allocUnsafe(SESSION_HEADER_LENGTH + header.bodyLength);
    this.frameHeader = header;
    this.frameStart = streamOffset;
    this.frameFill = 0;
    return header;
  }

  private finishFrame(): Frame {
    const bytes = this.frame!;
    const header = this.frameHeader!;
    this.frame = undefined;
    this.frameHeader = undefined;
    this.frameFill = 0;
    const body = bytes.subarray(SESSION_HEADER_LENGTH);
    verifySessionCrc(header, bytes, body);
    return { header, bytes, body, streamOffset: this.frameStart };
  }
}

/** §6: a probe (an empty message) is answered with its own header, flags 0, length 0. */
export function probeReply(frame: Frame): Buffer {
  return encodeSessionHeader({ kind: frame.header.kind, pVersion: frame.header.pVersion, fn: frame.header.fnRaw, bodyLength: 0, flags: 0 });
}
