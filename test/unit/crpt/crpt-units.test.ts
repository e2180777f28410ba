// Pure parts of the CRPT adapter and the marking channel: response classification, the fake's deterministic code
// statuses, the RSA/CMS signature check, and forms 81–84 encoded and parsed.
import { describe, expect, it } from 'vitest';
import { CodeCheckResponse } from '../../../src/adapters/crpt/crpt-api.js';
import { CrptErrorCodes } from '../../../src/adapters/crpt/errors.js';
import { codeStatus } from '../../../src/adapters/crpt/fake-crpt-server.js';
import { classifyCrptResponse } from '../../../src/adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey, verifyRsaCms } from '../../../src/adapters/crpt/signer.js';
import { deriveFnKey } from '../../../protocol/devsign.js';
import { encodeTlv } from '../../../protocol/tlv.js';
import {
  encodeCodeCheckAnswer,
  encodeNotificationReceipt,
  parseAnswerFields,
  parseCodeCheckRequest,
  parseSaleNotification,
} from '../../../protocol/marking-forms.js';
import { markingNotificationJobId } from '../../../src/queue/crpt-jobs.js';

const k = deriveFnKey('ofd-dev-master-key', '9999078900011111');

describe('classifyCrptResponse', () => {
  it('maps statuses to retryable and terminal errors', () => {
    const code = (status: number, body = '{}') => {
      const r = classifyCrptResponse(status, body, CodeCheckResponse);
      return 'code' in r ? r.code : 'ok';
    };
    expect(code(200, '{"codes":[]}')).toBe('ok');
    expect(code(200, '<html>')).toBe(CrptErrorCodes.CRPT_BAD_RESPONSE);
    expect(code(401)).toBe(CrptErrorCodes.CRPT_AUTH_FAILED);
    expect(code(429)).toBe(CrptErrorCodes.CRPT_SERVER_ERROR);
    expect(code(503)).toBe(CrptErrorCodes.CRPT_SERVER_ERROR);
    expect(code(400)).toBe(CrptErrorCodes.CRPT_BAD_REQUEST);
    expect(code(403)).toBe(CrptErrorCodes.CRPT_REFUSED);
  });
});

describe('fake-crpt code statuses', () => {
  it('are deterministic by code, with marker words', () => {
    expect(codeStatus('abcBLOCK')).toBe('BLOCKED');
    expect(codeStatus('abcSOLD')).toBe('RETIRED');
    expect(codeStatus('xUNKNOWNx')).toBe('UNKNOWN');
    const some = Array.from({ length: 200 }, (_, i) => `0104600439931256215code${i}`);
    expect(some.map(codeStatus)).toEqual(some.map(codeStatus));
    expect(some.filter((c) => codeStatus(c) === 'INTRODUCED').length).toBeGreaterThan(150);
  });
});

describe('rsa-cms signer', () => {
  it('verifies over the issued challenge only', async () => {
    const signer = createRsaCmsSigner(generateDevRsaKey('unit', 1024));
    const signed = await signer.sign(Buffer.from('challenge-1'));
    expect(verifyRsaCms(signed.data, Buffer.from('challenge-1'))).toMatchObject({ ok: true, subject: 'unit' });
    expect(verifyRsaCms(signed.data, Buffer.from('challenge-2')).ok).toBe(false);
    expect(verifyRsaCms('bm90IGNtcw==', Buffer.from('challenge-1')).ok).toBe(false);
  });
});

describe('marking forms', () => {
  const u8 = (tag: number, v: number) => encodeTlv(tag, Buffer.of(v));
  const u32 = (tag: number, v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return encodeTlv(tag, b);
  };
  const s = (tag: number, v: string) => encodeTlv(tag, Buffer.from(v, 'latin1'));

  it('parses form 81 and form 82', () => {
    const r81 = encodeTlv(81, Buffer.concat([s(2000, 'CODE1'), u32(2001, 42), u8(2003, 1), u8(2004, 3), u8(2100, 2)]));
    expect(parseCodeCheckRequest(r81)).toMatchObject({ code: 'CODE1', requestNumber: 42, plannedStatus: 1, fnCheckResult: 3, codeType: 2 });
    expect(() => parseCodeCheckRequest(encodeTlv(81, u32(2001, 1)))).toThrow();
    const n82 = encodeTlv(82, Buffer.concat([u32(2002, 7), u8(2116, 1), encodeTlv(2007, Buffer.concat([s(2000, 'A'), u8(2110, 1)])), encodeTlv(2007, s(2000, 'B'))]));
    expect(parseSaleNotification(n82)).toEqual({
      notificationNumber: 7,
      operationKind: 1,
      entries: [
        { code: 'A', assignedStatus: 1, checkResult: undefined, codeType: undefined, productId: undefined },
        { code: 'B', assignedStatus: undefined, checkResult: undefined, codeType: undefined, productId: undefined },
      ],
    });
  });

  it('encodes forms 83 and 84 with 1078 and a ФПП', () => {
    const a = encodeCodeCheckAnswer({ requestNumber: 5, processingCode: 0, results: 0x0f, itemAnswer: 1, codeType: 2, productId: '04600439931256', dateTime: 1_700_000_000 }, k);
    expect(a.tlv.readUInt16LE(0)).toBe(83);
    const f = parseAnswerFields(a.tlv);
    expect(f.get(2001)?.value.readUInt32LE(0)).toBe(5);
    expect(f.get(2109)?.value[0]).toBe(1);
    expect(f.get(1078)?.value.subarray(0, 2).toString('hex')).toBe('8806');
    expect(a.fpp.subarray(0, 2).toString('hex')).toBe('8206');
    const unable = parseAnswerFields(encodeCodeCheckAnswer({ requestNumber: 5, processingCode: 0, results: 0x03, itemAnswer: undefined, codeType: undefined, productId: undefined, dateTime: 1 }, k).tlv);
    expect(unable.has(2109)).toBe(false);
    const r = encodeNotificationReceipt({ notificationNumber: 9, result: 0, processingCode: 0 }, k);
    expect(r.tlv.readUInt16LE(0)).toBe(84);
    expect(parseAnswerFields(r.tlv).get(2002)?.value.readUInt32LE(0)).toBe(9);
  });

  it('gives notifications deterministic job ids', () => {
    expect(markingNotificationJobId('9999078900011111', 12)).toBe('mn-9999078900011111-n-12');
    expect(() => markingNotificationJobId('123', 1)).toThrow();
  });
});
