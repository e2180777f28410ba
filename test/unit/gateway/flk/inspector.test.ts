// The gateway's Inspect: decode → FFD version → ФЛК codes, and its wiring in handleMessage (FN, FD and receive time of
// the container reach the rules).
import { describe, expect, it } from 'vitest';
import { encodeTlv } from '../../../../protocol/tlv.js';
import { Framer } from '../../../../protocol/framer.js';
import { createDevsignBox } from '../../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector, DOC_DECODE_INTERNAL } from '../../../../src/gateway/flk/inspector.js';
import { handleMessage, type MessageDeps } from '../../../../src/gateway/handle-message.js';
import type { DocumentJob } from '../../../../src/queue/jobs.js';
import { LOCAL_TIME, MASTER_KEY, receiptChildren, signedMessage } from '../../../support/kkt.js';
import { FD, FN, itemsOf, RECEIVED_AT, receipt, toTlv, VERSIONS, type Json } from './documents.js';

const ctx = { fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: RECEIVED_AT };

describe('createInspector', () => {
  const inspect = createInspector();

  for (const ffd of VERSIONS) {
    it(`a valid FFD ${ffd} receipt: recognised, ffd ${ffd}, no codes`, () => {
      expect(inspect(toTlv(receipt(ffd)), 3, ctx)).toEqual({ recognised: true, ffd, flkCodes: [], fiscalDriveNumber: FN });
    });
  }

  it('absent 1209 reads as 1.0', () => {
    const doc = receipt('1.0');
    expect('fiscalDocumentFormatVer' in doc).toBe(false);
    expect(inspect(toTlv(doc), 3, ctx).ffd).toBe('1.0');
  });

  it('an unknown 1209 gives no ffd and FLK_FFD_VERSION', () => {
    expect(inspect(toTlv({ ...receipt('1.2'), fiscalDocumentFormatVer: 5 }), 3, ctx)).toEqual({ recognised: true, ffd: undefined, flkCodes: ['FLK_FFD_VERSION'], fiscalDriveNumber: FN });
  });

  it('reports each failed rule once, in table order', () => {
    const doc: Json = { ...receipt('1.2'), operationType: 7 };
    itemsOf(doc)[0]!.paymentType = 9;
    itemsOf(doc)[1]!.paymentType = 9;
    doc.userInn = '7704211202';
    expect(inspect(toTlv(doc), 3, ctx).flkCodes).toEqual(['FLK_INN', 'FLK_ENUM']);
  });

  it('uses the container FN, FD and receive time from its third argument', () => {
    const tlv = toTlv(receipt('1.05'));
    expect(inspect(tlv, 3, { ...ctx, fiscalDriveNumber: '9999078900000001' }).flkCodes).toEqual(['FLK_FN_NUMBER']);
    expect(inspect(tlv, 3, { ...ctx, fiscalDocumentNumber: FD + 1 }).flkCodes).toEqual(['FLK_FD_NUMBER']);
    expect(inspect(tlv, 3, { ...ctx, receivedAt: new Date('2024-09-10T00:00:00Z') }).flkCodes).toEqual(['FLK_DATE']);
  });

  it('a truncated TLV is not recognised, with the decoder code', () => {
    const tlv = toTlv(receipt('1.2'));
    expect(inspect(tlv.subarray(0, tlv.length - 3), 3, ctx)).toEqual({ recognised: false, ffd: undefined, flkCodes: ['TLV_TRUNCATED'] });
  });

  it('a value of the wrong size is not recognised (TLV_BAD_VALUE)', () => {
    // 1038 shiftNumber is a uint32 (max length 4); three bytes cannot be read as one.
    const tlv = encodeTlv(3, encodeTlv(1038, Buffer.of(1, 0, 0)));
    expect(inspect(tlv, 3, ctx)).toEqual({ recognised: false, ffd: undefined, flkCodes: ['TLV_BAD_VALUE'] });
  });

  it('forms without rules (7, marking 81) pass', () => {
    expect(inspect(encodeTlv(81, Buffer.alloc(0)), 81, ctx)).toEqual({ recognised: true, ffd: '1.0', flkCodes: [] });
  });

  it('never throws on damaged bytes, and neither the decoder nor a rule fails internally', () => {
    const internal: unknown[] = [];
    const watched = createInspector({ onInternalError: (e) => internal.push(e) });
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const valid = toTlv(receipt('1.2'));
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(valid);
      for (let j = 0; j < 1 + Math.floor(rnd() * 4); j++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const out = watched(bytes.subarray(0, Math.floor(rnd() * bytes.length) + 1), 3, ctx);
      expect(Array.isArray(out.flkCodes)).toBe(true);
      expect(out.flkCodes).not.toContain(DOC_DECODE_INTERNAL);
    }
    expect(internal).toEqual([]);
  });
});

describe('handleMessage passes the container context to the inspector', () => {
  const fn = '9999078900000042';
  /** LOCAL_TIME of the kkt.ts receipt is 2024-09-17T18:01:00 local; received the same afternoon (Moscow, UTC+3). */
  const now = (LOCAL_TIME - 3 * 3600 + 30) * 1000;

  function depsWith(jobs: DocumentJob[]): MessageDeps {
    return {
      crypto: createDevsignBox(MASTER_KEY),
      enqueue: async (job) => jobs.push(job),
      inspect: createInspector(),
      operatorInn: '7704211201',
      ackUtcOffsetMinutes: 180,
      kinds: new Set(['ofd']),
      now: () => now,
    };
  }

  function frameOf(message: Buffer) {
    const frames = new Framer().push(message);
    expect(frames).toHaveLength(1);
    return frames[0]!;
  }

  it('accepts the test register’s FFD 1.05 receipt (test/support/kkt.ts)', async () => {
    const jobs: DocumentJob[] = [];
    const out = await handleMessage(frameOf(signedMessage({ fn, fd: 7, children: receiptChildren(fn, 7) })), depsWith(jobs));
    expect(out).toMatchObject({ action: 'reply', result: 'accepted', ofdResponseCode: 0 });
    // The job no longer carries the FFD (issue 19: nothing downstream read it; persist reads 1209 from the raw bytes);
    // that the inspector tells 1.05 is checked above, per version.
    expect(jobs[0]).toMatchObject({ flk: { ok: true, codes: [] } });
    expect(jobs[0]).not.toHaveProperty('ffd');
  });

  it('flags a document whose 1040 differs from the container FD', async () => {
    const jobs: DocumentJob[] = [];
    // The document says FD 8, the container FD 9.
    const out = await handleMessage(frameOf(signedMessage({ fn, fd: 9, children: receiptChildren(fn, 8) })), depsWith(jobs));
    expect(out).toMatchObject({ action: 'reply', result: 'flk_failed', ofdResponseCode: 14 });
    expect(jobs[0]!.flk).toEqual({ ok: false, codes: ['FLK_FD_NUMBER'] });
  });
});
