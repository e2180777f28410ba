// How the FNS client reads answers and failures: pure functions of http-fns-client.ts, and the error catalogue.
import { readFileSync } from 'node:fs';
import { TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { FnsError, FnsErrorCodes, isRetryableCode } from '../../../src/adapters/fns/errors.js';
import { classifyResponse, classifyTransportError, parseRetryAfter, retryDelayMs } from '../../../src/adapters/fns/http-fns-client.js';

const codeOf = (r: unknown) => (r instanceof FnsError ? r.code : 'result');

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, and ignores anything else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['0'], now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:05 GMT', now)).toBe(0);
    for (const v of [undefined, '', 'soon', '-1', '1.5']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  const answer = JSON.stringify({ documents: [{ fn: '9999078900011111', fd: 1, status: 'rejected', errors: [{ tag: 1020, code: 'X', message: 'm' }] }] });

  it('turns a 200 into the answers, with errors and duplicate defaulted', () => {
    expect(classifyResponse(200, {}, answer)).toEqual({
      documents: [{ fn: '9999078900011111', fd: 1, status: 'rejected', errors: [{ tag: 1020, code: 'X', message: 'm' }], duplicate: false }],
    });
  });

  it('treats a garbled 2xx as retryable FNS_BAD_RESPONSE', () => {
    for (const body of ['<html>', '{}', '{"documents":[{"fn":"1","fd":1,"status":"ok"}]}']) {
      const r = classifyResponse(200, {}, body);
      expect(codeOf(r)).toBe(FnsErrorCodes.FNS_BAD_RESPONSE);
      expect((r as FnsError).retryable).toBe(true);
    }
  });

  it('retries 5xx, 408 and 429 (with its Retry-After), and nothing else', () => {
    for (const status of [500, 502, 503, 504, 408]) expect(codeOf(classifyResponse(status, {}, ''))).toBe(FnsErrorCodes.FNS_SERVER_ERROR);
    const limited = classifyResponse(429, { 'retry-after': '7' }, '{"code":"RATE_LIMITED","message":"slow down"}') as FnsError;
    expect(limited).toMatchObject({ code: FnsErrorCodes.FNS_RATE_LIMITED, retryable: true, retryAfterMs: 7000, status: 429 });
    expect((classifyResponse(429, {}, '') as FnsError).retryAfterMs).toBeUndefined();
  });

  it('makes 4xx terminal, keeping the documents the FNS blamed', () => {
    const body = JSON.stringify({ code: 'BAD_DOCUMENT', message: 'm', documents: [{ fn: '9999078900011111', fd: 2, code: 'RAW_DATA_INVALID', message: 'x' }] });
    const bad = classifyResponse(400, {}, body) as FnsError;
    expect(bad).toMatchObject({ code: FnsErrorCodes.FNS_BAD_REQUEST, retryable: false, status: 400 });
    expect(bad.documents).toEqual([{ fn: '9999078900011111', fd: 2, code: 'RAW_DATA_INVALID', message: 'x' }]);
    for (const status of [413, 422]) expect(codeOf(classifyResponse(status, {}, ''))).toBe(FnsErrorCodes.FNS_BAD_REQUEST);
    for (const status of [401, 403, 404, 409]) {
      const r = classifyResponse(status, {}, '') as FnsError;
      expect(r).toMatchObject({ code: FnsErrorCodes.FNS_REFUSED, retryable: false });
    }
    expect(codeOf(classifyResponse(302, {}, ''))).toBe(FnsErrorCodes.FNS_BAD_RESPONSE);
  });
});

describe('classifyTransportError', () => {
  it('calls timeouts FNS_TIMEOUT and lost connections FNS_UNAVAILABLE, both retryable', () => {
    const timeouts = [new TaskCancelledError('t'), Object.assign(new Error('h'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), Object.assign(new Error('c'), { code: 'UND_ERR_CONNECT_TIMEOUT' })];
    for (const e of timeouts) expect(classifyTransportError(e)).toMatchObject({ code: FnsErrorCodes.FNS_TIMEOUT, retryable: true });
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND']) {
      expect(classifyTransportError(Object.assign(new Error('x'), { code }))).toMatchObject({ code: FnsErrorCodes.FNS_UNAVAILABLE, retryable: true });
    }
    const own = new FnsError(FnsErrorCodes.FNS_BAD_REQUEST, 'kept');
    expect(classifyTransportError(own)).toBe(own);
  });
});

describe('retryDelayMs', () => {
  const o = { baseMs: 100, maxMs: 1000 };
  it('doubles per attempt with jitter in [cap/2, cap), capped', () => {
    expect(retryDelayMs(1, undefined, { ...o, random: () => 0 })).toBe(50);
    expect(retryDelayMs(1, undefined, { ...o, random: () => 0.999 })).toBe(99);
    expect(retryDelayMs(3, undefined, { ...o, random: () => 0 })).toBe(200);
    expect(retryDelayMs(10, undefined, { ...o, random: () => 0.5 })).toBe(750);
  });
  it("waits a 429's Retry-After instead", () => {
    const e = new FnsError(FnsErrorCodes.FNS_RATE_LIMITED, 'x', { retryAfterMs: 3000 });
    expect(retryDelayMs(1, e, { ...o, random: () => 0 })).toBe(3000);
  });
});

describe('FnsErrorCodes', () => {
  it('are all documented in errors.ts, in the section that matches their retryability', () => {
    const text = readFileSync(new URL('../../../src/adapters/fns/errors.ts', import.meta.url), 'utf8');
    const header = text.slice(0, text.indexOf('export const FnsErrorCodes'));
    const terminalAt = header.indexOf('Terminal');
    for (const code of Object.values(FnsErrorCodes)) {
      const at = header.indexOf(`- ${code} `);
      expect(at, `${code} is undocumented`).toBeGreaterThan(0);
      expect(at < terminalAt, `${code} is documented in the wrong section`).toBe(isRetryableCode(code));
    }
  });
});
