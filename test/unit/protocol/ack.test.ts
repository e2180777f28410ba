import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAckDocument, encodeReplyMessage, parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { computeFpo, computeFpp, deriveFnKey } from '../../../protocol/devsign.js';
import { decodeSessionHeader } from '../../../protocol/session-header.js';
import { encodeTlv } from '../../../protocol/tlv.js';
import { fixtureJson } from '../../support/fixtures.js';

const v = fixtureJson<{ ack: string; ackWithoutFpo: string; fpo: string; fpp: string; masterKey: string; fiscalDriveNumber: string }>(
  'devsign/vectors.json',
);

const fields = {
  ofdInn: '7704211201',
  fiscalDriveNumber: '9999078902013267',
  fiscalDocumentNumber: 1,
  dateTime: 1460556840,
  ofdResponseCode: 0,
};

describe('operator acknowledgement, form 7 (§3)', () => {
  it('encodes the fields in the real order with the INN padded to 12 (bytes built by hand in the Python oracle)', () => {
    expect(encodeAckDocument(fields).toString('hex')).toBe(v.ackWithoutFpo);
    expect(encodeAckDocument(fields, Buffer.from(v.fpo, 'hex')).toString('hex')).toBe(v.ack);
  });

  it('hand-checks the first bytes: tag 7, then 1017 "7704211201  "', () => {
    const ack = encodeAckDocument(fields);
    expect(ack.subarray(0, 2).toString('hex')).toBe('0700');
    expect(ack.subarray(4, 8).toString('hex')).toBe('f9030c00'); // 1017 = 0x03F9, length 12
    expect(ack.subarray(8, 20).toString('latin1')).toBe('7704211201  ');
  });

  it('appends 1206 when an operator message is given (ФЛК error bit 0x02)', () => {
    const ack = encodeAckDocument({ ...fields, ofdResponseCode: 14, operatorMessage: 0x02 });
    expect(ack.subarray(ack.length - 5).toString('hex')).toBe('b604010002'); // 1206 = 0x04B6
  });

  it('writes, for any fields and any ФПО, a TLV per field in the §3.3 order, as a reference built from encodeTlv does', () => {
    // The reference: each field its own TLV (tlv.ts's encodeTlv, tested on its own), in the §3.3 order.
    const u32 = (n: number) => Buffer.from([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
    const reference = (f: typeof fields & { operatorMessage?: number }, fpo?: Buffer) =>
      encodeTlv(
        7,
        Buffer.concat([
          encodeTlv(1017, Buffer.from(f.ofdInn.padEnd(12, ' '), 'ascii')),
          ...(fpo ? [encodeTlv(1078, fpo)] : []),
          encodeTlv(1041, Buffer.from(f.fiscalDriveNumber.padEnd(16, ' '), 'ascii')),
          encodeTlv(1040, u32(f.fiscalDocumentNumber)),
          encodeTlv(1012, u32(f.dateTime)),
          encodeTlv(1068, encodeTlv(1022, Buffer.of(f.ofdResponseCode))),
          ...(f.operatorMessage === undefined ? [] : [encodeTlv(1206, Buffer.of(f.operatorMessage))]),
        ]),
      );
    const printable = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
    fc.assert(
      fc.property(
        fc.record({
          ofdInn: printable(12),
          fiscalDriveNumber: printable(16),
          fiscalDocumentNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
          dateTime: fc.integer({ min: 0, max: 0xffff_ffff }),
          ofdResponseCode: fc.integer({ min: 0, max: 255 }),
          operatorMessage: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        }),
        fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        (f, fpo) => {
          const sign = fpo && Buffer.from(fpo);
          const { operatorMessage, ...rest } = f;
          const input = operatorMessage === undefined ? rest : { ...rest, operatorMessage };
          expect(encodeAckDocument(input, sign).toString('hex')).toBe(reference(input, sign).toString('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses an INN or FN number that is not printable ASCII of its width', () => {
    expect(() => encodeAckDocument({ ...fields, ofdInn: '7704211201123' })).toThrow(/1017/);
    expect(() => encodeAckDocument({ ...fields, fiscalDriveNumber: '99990789020132ё' })).toThrow(/1041/);
  });

  it('builds a reply message: header echoes the request FN bytes, container 5A/07, signs parse back', () => {
    const k = deriveFnKey(v.masterKey, v.fiscalDriveNumber);
    const fpo = computeFpo(k, encodeAckDocument(fields));
    const ackTlv = encodeAckDocument(fields, fpo);
    const fnRaw = Buffer.from('9999078902013267', 'latin1');
    const msg = encodeReplyMessage(
      { pVersion: 0x0105, fnRaw, serviceData1: Buffer.from('1009', 'hex'), fnBcd: Buffer.from('9999078902013267', 'hex'), fiscalDocumentNumber: 1 },
      ackTlv,
      computeFpp(k, ackTlv),
      Buffer.alloc(8),
    );
    const h = decodeSessionHeader(msg);
    expect(h.fnRaw.equals(fnRaw)).toBe(true);
    expect(h.flagsRaw).toBe(0x0014);
    expect(h.pVersion).toBe(0x0105);
    expect(h.bodyLength).toBe(msg.length - 30);
    const c = decodeContainer(msg.subarray(30));
    expect(c.header.containerType).toBe(0x5a);
    expect(c.header.documentType).toBe(7);
    expect(c.header.serviceData1.toString('hex')).toBe('1009');
    expect(c.header.fiscalDocumentNumber).toBe(1);
    expect(c.messageSign.toString('hex')).toBe(v.fpp);
    const parsed = parseAck(c);
    expect(parsed).toMatchObject({ ...fields });
    expect(parsed.operatorSign?.toString('hex')).toBe(v.fpo);
  });
});
