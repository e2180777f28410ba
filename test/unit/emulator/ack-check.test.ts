import { describe, expect, it } from 'vitest';
import { encodeAckDocument, encodeReplyMessage, type AckFields } from '../../../protocol/ack.js';
import { encodeFnBcd } from '../../../protocol/bcd.js';
import { containerCrc } from '../../../protocol/container.js';
import { computeFpo, computeFpp, deriveFnKey, DEVSIGN_SERVICE_DATA_2A } from '../../../protocol/devsign.js';
import { Framer } from '../../../protocol/framer.js';
import { checkAckBytes, checkAckFrame, type AckExpectation } from '../../../src/emulator/ack-check.js';

const FN = '9999078902013267';
const FD = 42;
const K = deriveFnKey('ofd-dev-master-key', FN);
const EXPECT: AckExpectation = { fnField: Buffer.from(FN, 'latin1'), fiscalDriveNumber: FN, fiscalDocumentNumber: FD, kFn: K };

interface ReplyOptions {
  /** Session header FN bytes. */
  fnRaw?: Buffer;
  /** Container FN (BCD) and FD. */
  containerFn?: string;
  containerFd?: number;
  ack?: Partial<AckFields>;
  /** Replaces the computed ФПО / ФПП. */
  fpo?: (good: Buffer) => Buffer;
  fpp?: (good: Buffer) => Buffer;
  key?: Buffer;
}

function reply(o: ReplyOptions = {}): Buffer {
  const fields: AckFields = { ofdInn: '7704211201', fiscalDriveNumber: FN, fiscalDocumentNumber: FD, dateTime: 1_800_000_000, ofdResponseCode: 0, ...o.ack };
  const key = o.key ?? K;
  const goodFpo = computeFpo(key, encodeAckDocument(fields));
  const ackTlv = encodeAckDocument(fields, o.fpo ? o.fpo(goodFpo) : goodFpo);
  const goodFpp = computeFpp(key, ackTlv);
  return encodeReplyMessage(
    {
      pVersion: 0x0105,
      fnRaw: o.fnRaw ?? Buffer.from(FN, 'latin1'),
      serviceData1: Buffer.from('1009', 'hex'),
      fnBcd: encodeFnBcd(o.containerFn ?? FN),
      fiscalDocumentNumber: o.containerFd ?? FD,
    },
    ackTlv,
    o.fpp ? o.fpp(goodFpp) : goodFpp,
    DEVSIGN_SERVICE_DATA_2A,
  );
}

function flipLast(b: Buffer): Buffer {
  const out = Buffer.from(b);
  out[out.length - 1] = out[out.length - 1]! ^ 0x01;
  return out;
}

function codeOf(bytes: Buffer, expect: AckExpectation = EXPECT): string {
  const v = checkAckBytes(bytes, expect);
  return v.ok ? 'OK' : v.code;
}

describe('ack checker (what a fiscal drive checks, §3 and §7)', () => {
  it('accepts a valid devsign ack and reports its 1022 and 1206', () => {
    const v = checkAckBytes(reply({ ack: { ofdResponseCode: 14, operatorMessage: 0x02 } }), EXPECT);
    expect(v).toMatchObject({ ok: true, ofdResponseCode: 14, operatorMessage: 0x02 });
    expect(checkAckBytes(reply(), EXPECT)).toMatchObject({ ok: true, ofdResponseCode: 0, operatorMessage: undefined });
  });

  it('rejects an ack for another FD — in the container or in 1040', () => {
    expect(codeOf(reply({ containerFd: FD + 1, ack: { fiscalDocumentNumber: FD + 1 } }))).toBe('ACK_FD_MISMATCH');
    expect(codeOf(reply({ containerFd: FD + 1 }))).toBe('ACK_FD_MISMATCH');
    expect(codeOf(reply({ ack: { fiscalDocumentNumber: FD - 1 } }))).toBe('ACK_FD_MISMATCH');
  });

  it('rejects a session header that does not echo the 16 FN bytes exactly (a space-padded echo of a digit FN included)', () => {
    expect(codeOf(reply({ fnRaw: Buffer.from('9999078902013268', 'latin1') }))).toBe('ACK_FN_NOT_ECHOED');
    const padded = { ...EXPECT, fnField: Buffer.from('999907890201326 ', 'latin1') };
    expect(codeOf(reply(), padded)).toBe('ACK_FN_NOT_ECHOED');
  });

  it('rejects an ack for another FN — in the container BCD or in 1041', () => {
    expect(codeOf(reply({ containerFn: '9999078902013268' }))).toBe('ACK_FN_MISMATCH');
    expect(codeOf(reply({ ack: { fiscalDriveNumber: '9999078902013268' } }))).toBe('ACK_FN_MISMATCH');
  });

  it('rejects a flipped sign byte: ФПО (1078) or ФПП (trailer), and signs made with another key', () => {
    expect(codeOf(reply({ fpo: flipLast }))).toBe('ACK_BAD_FPO');
    expect(codeOf(reply({ fpo: () => Buffer.alloc(0) }))).toBe('ACK_BAD_FPO');
    expect(codeOf(reply({ fpp: flipLast }))).toBe('ACK_BAD_FPP');
    expect(codeOf(reply({ key: deriveFnKey('another-key', FN) }))).toBe('ACK_BAD_FPO');
  });

  it('ignores the signs when no key is given (crypto none)', () => {
    expect(codeOf(reply({ fpo: flipLast, fpp: flipLast }), { ...EXPECT, kFn: undefined })).toBe('OK');
  });

  it('rejects a corrupted container (CRC), a request-type container, a cut or padded reply', () => {
    const good = reply();
    const corrupted = Buffer.from(good);
    corrupted[30 + 40] = corrupted[30 + 40]! ^ 0xff; // inside the ack TLV
    expect(codeOf(corrupted)).toBe('ACK_BAD_CONTAINER');

    const asRequest = Buffer.from(good);
    asRequest[30 + 4] = 0xa5;
    // Keep the CRC right so the type itself is what is rejected.
    asRequest.writeUInt16LE(containerCrc(asRequest.subarray(30)), 30 + 2);
    expect(codeOf(asRequest)).toBe('ACK_NOT_OPERATOR_ACK');

    expect(codeOf(good.subarray(0, good.length - 1))).toBe('ACK_BAD_FRAME');
    expect(codeOf(Buffer.concat([good, good]))).toBe('ACK_BAD_FRAME');
    expect(codeOf(Buffer.from('garbage that is not a session header'))).toBe('ACK_BAD_FRAME');
  });

  it('checks a frame straight from the framer', () => {
    const [frame] = new Framer().push(reply());
    expect(checkAckFrame(frame!, EXPECT).ok).toBe(true);
  });
});
