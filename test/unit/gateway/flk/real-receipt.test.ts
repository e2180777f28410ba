// Regression guard against false positives: a real FFD 1.2 receipt as the FNS returns it (vectors/fns-receipt-ffd12.json,
// 6 weighed items at 10 %, paid electronically) passes every rule, through the wire format and through the inspector.
import { describe, expect, it } from 'vitest';
import { checkDocument } from '../../../../src/gateway/flk/check-document.js';
import { createInspector } from '../../../../src/gateway/flk/inspector.js';
import { fixtureJson } from '../../../support/fixtures.js';
import { throughWire, toTlv, type Json } from './documents.js';

/** The FNS's own bookkeeping around the document: no tags (vectors/README, FNS JSON served to buyers). */
const NON_TAG_FIELDS = ['metadata', 'redefine_mask', 'numberKkt', 'region', 'messageFiscalSign'];

function realReceipt(): Json {
  const json = fixtureJson<Json>('vectors/fns-receipt-ffd12.json');
  for (const k of NON_TAG_FIELDS) delete json[k];
  return json;
}

const FN = '7281440500751551';
const FD = 30526;
/** metadata.receiveDate of the vector. */
const RECEIVED_AT = new Date('2024-09-17T11:01:24Z');

describe('the real FNS receipt (FFD 1.2)', () => {
  it('passes every rule as the FNS serves it (padded INN, kktRegId)', () => {
    const result = checkDocument(realReceipt(), { form: 3, fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: RECEIVED_AT });
    expect(result).toEqual({ ok: true, failures: [] });
  });

  it('passes every rule after encode → decode', () => {
    const result = checkDocument(throughWire(realReceipt()), { form: 3, fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: RECEIVED_AT });
    expect(result).toEqual({ ok: true, failures: [] });
  });

  it('is recognised as FFD 1.2 with no ФЛК codes by the inspector', () => {
    const inspect = createInspector();
    expect(inspect(toTlv(realReceipt()), 3, { fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: RECEIVED_AT })).toEqual({
      recognised: true,
      ffd: '1.2',
      flkCodes: [],
      fiscalDriveNumber: FN,
    });
  });

  it('fails FLK_FD_NUMBER when the container carries another FD', () => {
    const inspect = createInspector();
    expect(inspect(toTlv(realReceipt()), 3, { fiscalDriveNumber: FN, fiscalDocumentNumber: FD + 1, receivedAt: RECEIVED_AT }).flkCodes).toEqual([
      'FLK_FD_NUMBER',
    ]);
  });
});
