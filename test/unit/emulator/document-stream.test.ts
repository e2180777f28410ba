import { describe, expect, it } from 'vitest';
import { decodeContainer } from '../../../protocol/container.js';
import { deriveFnKey, verifyDocumentSigns } from '../../../protocol/devsign.js';
import { decodeDocument, encodeDocument } from '../../../protocol/document-json.js';
import { decodeSessionHeader } from '../../../protocol/session-header.js';
import { isValidInn } from '../../../src/domain/inn.js';
import { expectedDocumentJson } from '../../../src/emulator/fixture-recorder.js';
import { mulDivHalfUp } from '../../../src/emulator/settlement.js';
import { checkDocument } from '../../../src/gateway/flk/check-document.js';
import { generate, MASTER_KEY, START } from './stream-fixture.js';

type Json = Record<string, unknown>;
const RECEIVED_AT = new Date(Date.UTC(2027, 0, 1));

function body(tlv: Buffer): { form: number; formName: string; fields: Json } {
  const d = decodeDocument(tlv);
  return { form: d.form, formName: d.formName, fields: d.json[d.formName] as Json };
}

/** VAT fields recomputed from the decoded items: the rate's share of the rate's sum, half up (protocol of settlement.ts). */
function vatFromItems(items: Json[]): Json {
  const byRate = new Map<number, number>();
  for (const it of items) byRate.set(it.nds as number, (byRate.get(it.nds as number) ?? 0) + (it.sum as number));
  const out: Json = {};
  const share = (rate: number, num: number, den: number, field: string): void => {
    const s = byRate.get(rate);
    if (s !== undefined) out[field] = mulDivHalfUp(s, num, den);
  };
  share(1, 20, 120, 'nds18');
  share(2, 10, 110, 'nds10');
  share(5, 1, 1, 'nds0');
  share(6, 1, 1, 'ndsNo');
  share(3, 20, 120, 'nds18118');
  share(4, 10, 110, 'nds10110');
  return out;
}

describe('generated documents', () => {
  // Every third index: one register per owner, so owners on ОСН (VAT) and on УСН / ПСН (no VAT) both appear.
  const registers = [0, 3, 6, 9, 12, 15, 18, 21].map((i) => generate(i, { maxDocuments: 250 }));

  it('number FDs 1, 2, 3 … per FN and start with a registration report and an open shift', () => {
    for (const { docs } of registers) {
      expect(docs.map((d) => d.fiscalDocumentNumber)).toEqual(docs.map((_, i) => i + 1));
      expect(docs[0]!.formName).toBe('fiscalReport');
      expect(docs[1]!.formName).toBe('openShift');
    }
  });

  it('decode back to exactly the generated JSON plus the printed fiscal sign', () => {
    for (const { docs, messages } of registers) {
      docs.forEach((doc, i) => {
        const m = messages[i]!;
        expect(decodeDocument(m.documentTlv).json).toEqual(expectedDocumentJson(doc, m));
      });
    }
  });

  it('are encoded from parts exactly as the codec encodes the whole document', () => {
    for (const { docs } of registers) {
      for (const doc of docs) expect(doc.encode().equals(encodeDocument({ [doc.formName]: doc.fields() }))).toBe(true);
    }
  });

  it('carry the per-FN stamp: 1040, 1041, 1037, 1018 with valid check digits, 1012 from the start time on', () => {
    for (const { identity, messages } of registers) {
      let last = '';
      messages.forEach((m, i) => {
        const f = body(m.documentTlv).fields;
        expect(f.fiscalDocumentNumber).toBe(i + 1);
        expect(f.fiscalDriveNumber).toBe(identity.fiscalDriveNumber);
        expect(f.kktRegId).toMatch(/^\d{16}$/);
        expect(isValidInn(f.userInn as string)).toBe(true);
        expect(f.fiscalDocumentFormatVer).toBe(identity.ffd === '1.2' ? 4 : 2);
        expect(f.dateTime as string >= last).toBe(true);
        last = f.dateTime as string;
      });
      expect(body(messages[0]!.documentTlv).fields.dateTime).toBe(new Date(START * 1000).toISOString().slice(0, 19));
    }
  });

  it('go out as A5 containers behind a 0x0014 session header, with ФПД and ФПС that verify under devsign', () => {
    for (const { identity, docs, messages } of registers) {
      const k = deriveFnKey(MASTER_KEY, identity.fiscalDriveNumber);
      docs.forEach((doc, i) => {
        const bytes = messages[i]!.bytes;
        const h = decodeSessionHeader(bytes);
        expect(h.flagsRaw).toBe(0x0014);
        expect(h.fnRaw.toString('latin1')).toBe(identity.fiscalDriveNumber);
        expect(h.pVersion).toBe(identity.ffd === '1.2' ? 0x0120 : 0x0105);
        expect(h.bodyLength).toBe(bytes.length - 30);
        const c = decodeContainer(bytes.subarray(30));
        expect(c.header.containerType).toBe(0xa5);
        expect(c.header.documentType).toBe(doc.form);
        expect(c.header.serviceData1.toString('hex')).toBe('1009');
        expect(c.header.fiscalDriveNumber).toBe(identity.fiscalDriveNumber);
        expect(c.header.fiscalDocumentNumber).toBe(doc.fiscalDocumentNumber);
        expect(verifyDocumentSigns(k, c.document, c.messageSign)).toEqual({ fiscalSignValid: true, messageSignValid: true });
      });
    }
  });

  it('have receipts whose items, payments and VAT add up', () => {
    let receipts = 0;
    for (const { messages } of registers) {
      for (const m of messages) {
        const { form, fields } = body(m.documentTlv);
        if (form !== 3 && form !== 31) continue;
        receipts++;
        expect((fields.cashTotalSum as number) + (fields.ecashTotalSum as number)).toBe(fields.totalSum);
        const items = fields.items as Json[] | undefined;
        if (!items) continue; // FFD 1.05 correction receipts carry totals only
        expect(items.length).toBeGreaterThanOrEqual(1);
        expect(items.length).toBeLessThanOrEqual(30);
        expect(items.reduce((s, it) => s + (it.sum as number), 0)).toBe(fields.totalSum);
        for (const it of items) expect(Math.abs((it.price as number) * (it.quantity as number) - (it.sum as number))).toBeLessThanOrEqual(0.5 + 1e-6);
        const vat = Object.fromEntries(['nds18', 'nds10', 'nds0', 'ndsNo', 'nds18118', 'nds10110'].filter((k) => k in fields).map((k) => [k, fields[k]]));
        expect(vat).toEqual(vatFromItems(items));
      }
    }
    expect(receipts).toBeGreaterThan(1000);
  });

  it('pass the gateway ФЛК', () => {
    for (const { messages } of registers) {
      for (const m of messages) {
        const { form, fields } = body(m.documentTlv);
        const r = checkDocument(fields, {
          form,
          fiscalDriveNumber: fields.fiscalDriveNumber as string,
          fiscalDocumentNumber: fields.fiscalDocumentNumber as number,
          receivedAt: RECEIVED_AT,
        });
        expect(r.failures).toEqual([]);
      }
    }
  });

  it('mix FFD 1.05 and 1.2, cash / card / mixed payments, fractional kilograms and several VAT rates', () => {
    const all = registers.flatMap((r) => r.messages.map((m) => body(m.documentTlv).fields));
    const receipts = all.filter((f) => f.code === 3);
    expect(new Set(all.map((f) => f.fiscalDocumentFormatVer))).toEqual(new Set([2, 4]));
    expect(receipts.some((f) => f.cashTotalSum === 0)).toBe(true);
    expect(receipts.some((f) => f.ecashTotalSum === 0)).toBe(true);
    expect(receipts.some((f) => (f.cashTotalSum as number) > 0 && (f.ecashTotalSum as number) > 0)).toBe(true);
    const items = receipts.flatMap((f) => f.items as Json[]);
    expect(items.some((it) => !Number.isInteger(it.quantity))).toBe(true);
    expect(new Set(items.map((it) => it.nds)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(receipts.map((f) => f.operationType))).toContain(2);
    expect(all.some((f) => f.code === 31)).toBe(true);
    expect(all.some((f) => f.code === 21)).toBe(true);
    expect(all.some((f) => typeof f.user === 'string' && /[А-Яа-я]/.test(f.user))).toBe(true);
  });

  it('put marking codes (1163 gs1m / kmk with 2106, 2108, 2107) into FFD 1.2 receipts, and buyer contacts (1008)', () => {
    const ffd12 = [0, 1, 2].map((i) => generate(i, { maxDocuments: 60, markedShare: 1, emailShare: 1 }, 1));
    for (const { messages } of ffd12) {
      for (const m of messages) {
        const { form, fields } = body(m.documentTlv);
        if (form !== 3) continue;
        expect(fields.checkingLabeledProdResult).toBe(0);
        expect(fields.buyerPhoneOrAddress).toEqual(expect.any(String));
        const items = fields.items as Json[];
        const marked = items.filter((it) => it.productCodeNew !== undefined);
        expect(marked.length).toBeGreaterThanOrEqual(1);
        for (const it of marked) {
          const code = it.productCodeNew as Json;
          expect(Object.keys(code)).toHaveLength(1);
          expect(['gs1m', 'kmk']).toContain(Object.keys(code)[0]);
          expect(it.checkingProdInformationResult).toBe(0x0f);
          expect(it.quantity).toBe(1);
        }
        for (const it of items) expect([0, 11]).toContain(it.itemsQuantityMeasure);
      }
    }
  });

  it('make `flkErrorRate` receipts whose payments exceed the total, and only those fail the ФЛК', () => {
    const { docs, messages } = generate(7, { maxDocuments: 120, flkErrorRate: 0.2 });
    let faults = 0;
    docs.forEach((doc, i) => {
      const { form, fields } = body(messages[i]!.documentTlv);
      const r = checkDocument(fields, { form, fiscalDriveNumber: fields.fiscalDriveNumber as string, fiscalDocumentNumber: doc.fiscalDocumentNumber, receivedAt: RECEIVED_AT });
      if (doc.flkFault) {
        faults++;
        expect(r.failures.map((f) => f.code)).toEqual(['FLK_TOTAL_MISMATCH']);
      } else {
        expect(r.ok).toBe(true);
      }
    });
    expect(faults).toBeGreaterThan(5);
  });

  it('make `tamperRate` documents whose first message has a wrong ФПД but a matching ФПС; the valid one stays the same', () => {
    const plain = generate(8, { maxDocuments: 80 });
    const tampered = generate(8, { maxDocuments: 80, tamperRate: 0.3 });
    const k = deriveFnKey(MASTER_KEY, tampered.identity.fiscalDriveNumber);
    let n = 0;
    tampered.messages.forEach((m, i) => {
      expect(m.bytes.equals(plain.messages[i]!.bytes)).toBe(true);
      if (!m.tamperedBytes) return;
      n++;
      const c = decodeContainer(m.tamperedBytes.subarray(30));
      expect(verifyDocumentSigns(k, c.document, c.messageSign)).toEqual({ fiscalSignValid: false, messageSignValid: true });
    });
    expect(n).toBeGreaterThan(10);
  });

  it('are a function of the seed: same seed → same bytes, another seed → other documents', () => {
    const a = generate(3, { maxDocuments: 100 });
    const b = generate(3, { maxDocuments: 100 });
    const c = generate(3, { maxDocuments: 100, seed: 'other' });
    expect(a.messages.map((m) => m.bytes.toString('hex'))).toEqual(b.messages.map((m) => m.bytes.toString('hex')));
    expect(c.identity.fiscalDriveNumber).not.toBe(a.identity.fiscalDriveNumber);
    expect(c.messages[5]!.documentTlv.equals(a.messages[5]!.documentTlv)).toBe(false);
  });

  it('give every register of a fleet its own FN, registration and serial numbers', () => {
    const ids = Array.from({ length: 300 }, (_, i) => generate(i, { maxDocuments: 1 }).identity);
    for (const key of ['fiscalDriveNumber', 'kktRegId', 'kktNumber'] as const) {
      expect(new Set(ids.map((id) => id[key])).size).toBe(ids.length);
    }
    for (const id of ids) {
      expect(id.fiscalDriveNumber).toMatch(/^\d{16}$/);
      expect(isValidInn(id.userInn)).toBe(true);
    }
    expect(ids.some((id) => id.userInn.length === 10) && ids.some((id) => id.userInn.length === 12)).toBe(true);
  });

  it('end a document budget on a closed shift', () => {
    for (const n of [3, 4, 17, 60]) {
      const { docs } = generate(9, { maxDocuments: n });
      expect(docs).toHaveLength(n);
      expect(docs[n - 1]!.formName).toBe('closeShift');
    }
    expect(generate(9, { maxDocuments: 1 }).docs.map((d) => d.formName)).toEqual(['fiscalReport']);
  });

  it('never date a document after `latestTime`', () => {
    const latest = START + 3600;
    const { messages } = generate(2, { maxDocuments: 300, latestTime: latest });
    const cap = new Date(latest * 1000).toISOString().slice(0, 19);
    for (const m of messages) expect(body(m.documentTlv).fields.dateTime as string <= cap).toBe(true);
  });
});
