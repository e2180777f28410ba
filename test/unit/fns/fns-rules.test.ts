// The submission built from stored bytes, and fake-fns's validation and answer rules, without HTTP.
import { describe, expect, it } from 'vitest';
import { checkSubmission, judgeDocument, canonicalJson } from '../../../src/adapters/fns/fake-fns-rules.js';
import { buildSubmission } from '../../../src/adapters/fns/fns-submission.js';
import { FnsErrorCodes, isFnsError } from '../../../src/adapters/fns/errors.js';
import type { FnsDocumentSubmission } from '../../../src/adapters/fns/fns-api.js';
import { containerFor, type ReceiptVariant } from './fns-documents.js';

const FN = '9999078900011111';

function submission(fd: number, variant: ReceiptVariant = 'accepted'): FnsDocumentSubmission {
  return buildSubmission(FN, fd, containerFor(FN, fd, variant));
}

function receiptOf(s: FnsDocumentSubmission): Record<string, unknown> {
  return { ...s.document['receipt']! };
}

describe('buildSubmission', () => {
  it('carries the FNS JSON of the stored container and rawData = the container after its 32-byte header', () => {
    const container = containerFor(FN, 7);
    const s = buildSubmission(FN, 7, container);
    expect(s).toMatchObject({ fn: FN, fd: 7 });
    expect(Object.keys(s.document)).toEqual(['receipt']);
    expect(receiptOf(s)).toMatchObject({ code: 3, fiscalDriveNumber: FN, fiscalDocumentNumber: 7, totalSum: 18090, operator: 'Cashier' });
    expect(receiptOf(s)['messageFiscalSign']).toBe(container.readBigUInt64BE(container.length - 10).toString());
    expect(Buffer.from(s.rawData, 'base64').equals(container.subarray(32))).toBe(true);
    expect(checkSubmission(s)).toMatchObject({ ok: true, form: 3, formName: 'receipt' });
  });

  it('refuses bytes that do not decode or are another document, with FNS_DOCUMENT_UNDECODABLE', () => {
    for (const [fd, bytes] of [
      [1, Buffer.from('not a container')],
      [8, containerFor(FN, 7)],
    ] as const) {
      const error = (() => {
        try {
          buildSubmission(FN, fd, bytes);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isFnsError(error) && error.code).toBe(FnsErrorCodes.FNS_DOCUMENT_UNDECODABLE);
      expect(isFnsError(error) && error.retryable).toBe(false);
    }
  });
});

describe('fake-fns validation (checkSubmission)', () => {
  const good = submission(3);
  const check = (s: FnsDocumentSubmission) => {
    const r = checkSubmission(s);
    return r.ok ? 'ok' : r.code;
  };

  it('accepts the submission built from the stored bytes', () => expect(check(good)).toBe('ok'));

  it('refuses rawData that is truncated, padded or garbage', () => {
    const raw = Buffer.from(good.rawData, 'base64');
    expect(check({ ...good, rawData: raw.subarray(0, raw.length - 1).toString('base64') })).toBe('RAW_DATA_INVALID');
    expect(check({ ...good, rawData: Buffer.concat([raw, Buffer.of(0)]).toString('base64') })).toBe('RAW_DATA_INVALID');
    expect(check({ ...good, rawData: Buffer.alloc(40, 0x41).toString('base64') })).toBe('RAW_DATA_INVALID');
  });

  it('refuses rawData of another document than fn / fd say', () => {
    expect(check({ ...good, fd: 4 })).toBe('RAW_DATA_KEY_MISMATCH');
    expect(check({ ...good, fn: '9999078900011112' })).toBe('RAW_DATA_KEY_MISMATCH');
    expect(check({ ...submission(4), rawData: good.rawData })).toBe('RAW_DATA_KEY_MISMATCH');
  });

  it('refuses a document under another form name or code', () => {
    expect(check({ ...good, document: { bso: receiptOf(good) } })).toBe('DOCUMENT_FORM_MISMATCH');
    expect(check({ ...good, document: { receipt: { ...receiptOf(good), code: 4 } } })).toBe('DOCUMENT_FORM_MISMATCH');
  });

  it('refuses a wrong messageFiscalSign and fields that are not what rawData says', () => {
    expect(check({ ...good, document: { receipt: { ...receiptOf(good), messageFiscalSign: '1' } } })).toBe('SIGN_MISMATCH');
    expect(check({ ...good, document: { receipt: { ...receiptOf(good), totalSum: 18091 } } })).toBe('DOCUMENT_MISMATCH');
    const { operator: _operator, ...withoutCashier } = receiptOf(good);
    expect(check({ ...good, document: { receipt: withoutCashier } })).toBe('DOCUMENT_MISMATCH');
  });

  it('does not care about key order (jsonb reorders keys)', () => {
    const reversed = Object.fromEntries(Object.entries(receiptOf(good)).reverse());
    expect(check({ ...good, document: { receipt: reversed } })).toBe('ok');
    expect(canonicalJson({ b: 1, a: [{ d: 2n, c: 1 }] })).toBe('{"a":[{"c":1,"d":"2"}],"b":1}');
  });
});

describe('fake-fns answer rules (judgeDocument)', () => {
  const judge = (variant: ReceiptVariant) => {
    const r = checkSubmission(submission(10, variant));
    if (!r.ok) throw new Error(r.message);
    return judgeDocument(r.form, r.fields);
  };

  it('accepts a consistent receipt', () => expect(judge('accepted')).toEqual({ status: 'accepted', errors: [] }));

  it('rejects totals that do not add up, listing every failed check by tag', () => {
    expect(judge('payments')).toEqual({
      status: 'rejected',
      errors: [{ tag: 1020, code: 'FLK_PAYMENTS_SUM', message: 'totalSum 18090 ≠ payments 100' }],
    });
    expect(judge('items')).toEqual({
      status: 'rejected',
      errors: [{ tag: 1043, code: 'FLK_ITEMS_SUM', message: 'Σ items.sum 118090 ≠ totalSum 18090' }],
    });
    expect(judgeDocument(3, { code: 3, cashTotalSum: 5 })).toEqual({
      status: 'rejected',
      errors: [{ tag: 1020, code: 'FLK_TOTAL_MISSING', message: 'totalSum (1020) is missing' }],
    });
  });

  it('quarantines a document whose taxpayer INN has wrong check digits', () => {
    expect(judge('quarantine')).toMatchObject({ status: 'quarantine', errors: [{ tag: 1018, code: 'TAXPAYER_UNKNOWN' }] });
  });

  it('accepts a receipt without a cashier with a warning', () => {
    expect(judge('warnings')).toMatchObject({ status: 'accepted_with_warnings', errors: [{ tag: 1021, code: 'CASHIER_MISSING' }] });
  });

  it('applies the totals rules to receipts only, exactly on 64-bit sums', () => {
    expect(judgeDocument(5, { code: 5, totalSum: 1 })).toEqual({ status: 'accepted', errors: [] });
    const big = 2n ** 60n;
    expect(judgeDocument(3, { code: 3, operator: 'x', totalSum: big.toString(), cashTotalSum: big, items: [{ sum: big }] }).status).toBe('accepted');
    expect(judgeDocument(3, { code: 3, operator: 'x', totalSum: big.toString(), cashTotalSum: big + 1n }).status).toBe('rejected');
  });
});
