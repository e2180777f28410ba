// Property tests (fast-check): generated documents of every form and tag type survive JSON → TLV → JSON → TLV.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDocument, encodeDocument } from '../../../protocol/document-json.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { DOCUMENT_FORMS } from '../../../protocol/tags/index.js';
import { documentArb, receiptWithItemsArb } from '../../support/document-arbitraries.js';

/** Encodes, or discards the case when the random content outgrew an STLV or form maximum. */
function encodeOrSkip(json: Record<string, unknown>): Buffer {
  try {
    return encodeDocument(json);
  } catch (e) {
    fc.pre(!(e instanceof ProtocolError && e.code === 'TLV_TOO_LONG'));
    throw e;
  }
}

describe('document-json properties', () => {
  function roundTrips(json: Record<string, unknown>): void {
    const wire = encodeOrSkip(json);
    const decoded = decodeDocument(wire);
    expect(decoded.json).toEqual(json);
    expect(encodeDocument(decoded.json).equals(wire)).toBe(true);
  }

  test.prop([documentArb], { numRuns: 500 })(
    'any form: decode(encode(json)) equals json, and encode → decode → encode is byte-identical',
    roundTrips,
  );

  test.prop([receiptWithItemsArb], { numRuns: 300 })('receipts with generated items round-trip the same way', roundTrips);

  test.prop([fc.constantFrom(...DOCUMENT_FORMS), fc.uint8Array({ maxLength: 300 })], { numRuns: 2000 })(
    'any bytes in a document either decode or fail with a ProtocolError; what decodes re-encodes to a decodable document',
    (form, body) => {
      const doc = Buffer.concat([Buffer.from([form & 0xff, form >> 8, body.length & 0xff, body.length >> 8]), body]);
      let decoded;
      try {
        decoded = decodeDocument(doc);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
        return;
      }
      expect(decodeDocument(encodeDocument(decoded.json)).json).toEqual(decoded.json);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 64 })], { numRuns: 1000 })('random bytes as a document never throw anything but a ProtocolError', (bytes) => {
    try {
      decodeDocument(Buffer.from(bytes));
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
    }
  });
});
