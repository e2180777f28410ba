import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ProtocolError } from '../../../protocol/errors.js';
import { Framer, type Frame } from '../../../protocol/framer.js';
import { fixtureHex, syntheticMessage } from '../../support/fixtures.js';

const message = syntheticMessage();
const probe = fixtureHex('vectors/probe_oism_82A2_empty.hex');

function feed(framer: Framer, chunks: Buffer[]): Frame[] {
  return chunks.flatMap((c) => framer.push(c));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('framer', () => {
  it('yields one frame for the synthetic message in one chunk', () => {
    const frames = new Framer().push(message);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.bytes.equals(message)).toBe(true);
    expect(frames[0]!.body.length).toBe(305);
    expect(frames[0]!.streamOffset).toBe(0);
  });

  it('yields the same frame when the message is split at every byte offset', () => {
    for (let i = 1; i < message.length; i++) {
      const frames = feed(new Framer(), [message.subarray(0, i), message.subarray(i)]);
      expect(frames, `split at ${i}`).toHaveLength(1);
      expect(frames[0]!.bytes.equals(message), `split at ${i}`).toBe(true);
    }
  });

  it('yields both frames of two messages split at every byte offset', () => {
    const two = Buffer.concat([message, probe]);
    for (let i = 0; i <= two.length; i++) {
      const f = new Framer();
      const frames = feed(f, [two.subarray(0, i), two.subarray(i)]);
      expect(frames.map((x) => x.bytes.toString('hex')), `split at ${i}`).toEqual([message.toString('hex'), probe.toString('hex')]);
      expect(frames[1]!.streamOffset).toBe(message.length);
      expect(f.inMessage).toBe(false);
    }
  });

  it('handles one byte at a time, and several messages in one chunk', () => {
    const three = Buffer.concat([message, probe, message]);
    const f = new Framer();
    const bytewise = feed(f, [...three].map((b) => Buffer.of(b)));
    expect(bytewise).toHaveLength(3);
    expect(new Framer().push(three)).toHaveLength(3);
  });

  it('hands out owned copies: reusing the input buffer does not change a frame', () => {
    const input = Buffer.from(message);
    const [frame] = new Framer().push(input);
    input.fill(0);
    expect(frame!.bytes.equals(message)).toBe(true);
  });

  it('rejects an oversized announced length as soon as the header is in, before any body byte', () => {
    const header = Buffer.from(message.subarray(0, 30));
    header.writeUInt16LE(60_000, 24);
    const f = new Framer({ maxBodyLength: 33_000 });
    expect(codeOf(() => f.push(header))).toBe('PROTO_FRAME_TOO_LARGE');
    expect(codeOf(() => f.push(Buffer.alloc(1)))).toBe('PROTO_FRAME_TOO_LARGE'); // stays failed
  });

  it('reports garbage (an HTTP request) as PROTO_BAD_SIGNATURE with its stream offset', () => {
    const f = new Framer();
    f.push(message);
    try {
      f.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect.unreachable();
    } catch (e) {
      expect((e as ProtocolError).code).toBe('PROTO_BAD_SIGNATURE');
      expect((e as ProtocolError).offset).toBe(message.length);
    }
  });

  it('rejects garbage from its 4th byte, without waiting for a whole header', () => {
    const f = new Framer();
    expect(f.push(Buffer.from('GE'))).toEqual([]);
    expect(codeOf(() => f.push(Buffer.from('T /')))).toBe('PROTO_BAD_SIGNATURE');
    const g = new Framer();
    expect(codeOf(() => g.push(Buffer.from('2a08410a82a2', 'hex')))).toBe('PROTO_BAD_SIGNATURE'); // OFD signature, marking S-version
  });

  it('reports a stream that ends inside a message as PROTO_TRUNCATED', () => {
    const f = new Framer();
    f.push(message.subarray(0, 100));
    expect(f.inMessage).toBe(true);
    expect(codeOf(() => f.end())).toBe('PROTO_TRUNCATED');
    const g = new Framer();
    g.push(message);
    expect(() => g.end()).not.toThrow();
  });

  test.prop([fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 20 })], { numRuns: 500 })(
    'fuzz: random bytes in random chunks give frames or a typed error, never anything else, memory bounded',
    (bytes, cuts) => {
      const buf = Buffer.from(bytes);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      const f = new Framer({ maxBodyLength: 1024 });
      let prev = 0;
      try {
        for (const p of [...points, buf.length]) {
          f.push(buf.subarray(prev, p));
          prev = p;
          expect(f.pendingBytes).toBeLessThanOrEqual(30 + 1024);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
    },
  );

  test.prop([fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat()], { numRuns: 500 })(
    'fuzz: mutated valid messages give frames or a typed error',
    (mutations, cut) => {
      const buf = Buffer.concat([message, probe, message]);
      for (const [at, v] of mutations) buf[at % buf.length] = v;
      const c = cut % (buf.length + 1);
      const f = new Framer();
      try {
        const frames = [...f.push(buf.subarray(0, c)), ...f.push(buf.subarray(c))];
        for (const fr of frames) expect(fr.bytes.length).toBe(30 + fr.header.bodyLength);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
    },
  );
});
