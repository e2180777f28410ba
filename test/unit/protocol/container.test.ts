import { describe, expect, it } from 'vitest';
import { CONTAINER_TYPE_REQUEST, decodeContainer, encodeContainer, messageFiscalSign } from '../../../protocol/container.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { fixtureHex } from '../../support/fixtures.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('container (§2)', () => {
  const vector = fixtureHex('vectors/container-fiscalReport-synthetic.hex');

  it('decodes the synthetic registration-report container (vectors/README facts)', () => {
    const c = decodeContainer(vector);
    expect(c.header.length).toBe(305);
    expect(vector.length).toBe(305);
    expect(c.header.crc).toBe(0xec03);
    expect(c.header.containerType).toBe(0xa5);
    expect(c.header.documentType).toBe(1);
    expect(c.header.formatVersion).toBe(1);
    expect(c.header.serviceData1.toString('hex')).toBe('1009');
    expect(c.header.fnBcd.toString('hex')).toBe('999907891234567f');
    expect(c.header.fiscalDriveNumber).toBe('999907891234567');
    expect(c.header.fiscalDocumentNumber).toBe(1);
    expect(c.header.documentLength).toBe(263);
    expect(c.document.length).toBe(263);
    expect(c.document.readUInt16LE(0)).toBe(1);
    expect(c.messageSign.toString('hex')).toBe('810673fca34b2872');
    expect(c.trailerTail.toString('hex')).toBe('0000');
  });

  it('reads messageFiscalSign big-endian, as a decimal string (§5.1)', () => {
    // 0x810673fca34b2872 computed by hand: BigInt('0x810673fca34b2872').
    expect(messageFiscalSign(Buffer.from('810673fca34b2872', 'hex'))).toBe('9297246009661532274');
    expect(messageFiscalSign(Buffer.from('ffffffffffffffff', 'hex'))).toBe('18446744073709551615');
  });

  it('re-encodes the vector byte for byte from its decoded fields', () => {
    const c = decodeContainer(vector);
    const again = encodeContainer({
      containerType: c.header.containerType,
      serviceData1: c.header.serviceData1,
      fiscalDrive: c.header.fnBcd,
      fiscalDocumentNumber: c.header.fiscalDocumentNumber,
      serviceData2a: c.header.serviceData2a,
      serviceData2b: c.header.serviceData2b,
      document: c.document,
      messageSign: c.messageSign,
    });
    expect(again.toString('hex')).toBe(vector.toString('hex'));
  });

  it('rejects a flipped byte anywhere but the CRC field with PROTO_BAD_CRC', () => {
    for (const at of [0 + 4, 5, 20, 40, 200, 296, 303]) {
      const bad = Buffer.from(vector);
      bad[at] = bad[at]! ^ 0x01;
      expect(codeOf(() => decodeContainer(bad)), `byte ${at}`).toBe('PROTO_BAD_CRC');
    }
  });

  it('rejects length mismatches', () => {
    expect(codeOf(() => decodeContainer(vector.subarray(0, 300)))).toBe('PROTO_TRUNCATED');
    expect(codeOf(() => decodeContainer(Buffer.concat([vector, Buffer.alloc(1)])))).toBe('PROTO_BAD_CONTAINER');
    expect(codeOf(() => decodeContainer(vector.subarray(0, 20)))).toBe('PROTO_TRUNCATED');
  });

  it('rejects a document length that disagrees with the container length, even with a good CRC', () => {
    const c = decodeContainer(vector);
    const doc = Buffer.concat([c.document, Buffer.from([0xff, 0xff, 0x00, 0x00])]); // TLV length now wrong by 4
    const bad = encodeContainer({ containerType: CONTAINER_TYPE_REQUEST, fiscalDrive: '1', fiscalDocumentNumber: 1, document: doc, messageSign: Buffer.alloc(8) });
    expect(codeOf(() => decodeContainer(bad))).toBe('PROTO_BAD_CONTAINER');
  });

  it('writes the FD number as uint24 BE', () => {
    const c = encodeContainer({
      containerType: CONTAINER_TYPE_REQUEST,
      fiscalDrive: '9999078902013267',
      fiscalDocumentNumber: 0x012345,
      document: Buffer.from('03000000', 'hex'),
      messageSign: Buffer.alloc(8),
    });
    expect(c.subarray(17, 20).toString('hex')).toBe('012345');
    expect(c.subarray(9, 17).toString('hex')).toBe('9999078902013267');
  });
});
