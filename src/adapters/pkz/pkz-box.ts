/**
 * `pkz` crypto box: an HTTP client of an external crypto box (see pkz-api.ts). Keep-alive pool, tight timeouts: the
 * whole accept → ack path must stay far below the register's ≈3 s patience (§8), so a slow box fails the message
 * (the register retries) instead of piling up connections.
 */
import { Pool } from 'undici';
import { encodeAckDocument } from '../../../protocol/ack.js';
import { CryptoError, type CryptoBox } from '../crypto-box/crypto-box.js';
import { PkzErrorBody, SignAckResponseBody, UnwrapResponseBody } from './pkz-api.js';
import type { z } from 'zod';

export interface PkzBoxOptions {
  url: string;
  /** Per-request budget. */
  timeoutMs?: number;
  connections?: number;
}

export function createPkzBox(opts: PkzBoxOptions): CryptoBox {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const pool = new Pool(opts.url, {
    connections: opts.connections ?? 32,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });

  const call = <S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> => callBox(pool, timeoutMs, path, body, schema);

  return {
    mode: 'pkz',
    async unwrap(req) {
      const r = await call('/v1/unwrap', { fiscalDriveNumber: req.fiscalDriveNumber, container: req.container.raw.toString('base64') }, UnwrapResponseBody);
      return { document: Buffer.from(r.document, 'base64'), signStatus: 'verified' };
    },
    async signAck(fiscalDriveNumber, fields) {
      const r = await call('/v1/sign-ack', { fiscalDriveNumber, ack: encodeAckDocument(fields).toString('base64') }, SignAckResponseBody);
      const ackTlv = Buffer.from(r.ack, 'base64');
      const messageSign = Buffer.from(r.messageSign, 'base64');
      const serviceData2a = Buffer.from(r.serviceData2a, 'base64');
      if (messageSign.length !== 8 || serviceData2a.length !== 8 || ackTlv.readUInt16LE(0) !== 7) {
        throw new CryptoError('CRYPTO_UNAVAILABLE', 'crypto box: sign-ack answer has wrong sizes');
      }
      return { ackTlv, messageSign, serviceData2a };
    },
    async close() {
      await pool.close();
    },
  };
}

/** One POST to the box, its answer checked against `schema`; every failure is a CryptoError. */
async function callBox<S extends z.ZodType>(pool: Pool, timeoutMs: number, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
  let res;
  try {
    res = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new CryptoError('CRYPTO_UNAVAILABLE', `crypto box ${path}: ${(e as Error).message}`);
  }
  const text = await res.body.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CryptoError('CRYPTO_UNAVAILABLE', `crypto box ${path}: HTTP ${res.statusCode}, body is not JSON`);
  }
  if (res.statusCode === 422) {
    const err = PkzErrorBody.safeParse(json);
    throw new CryptoError('SIGN_INVALID', `crypto box: ${err.success ? err.data.message : 'signs do not verify'}`);
  }
  const parsed = schema.safeParse(json);
  if (res.statusCode !== 200 || !parsed.success) {
    throw new CryptoError('CRYPTO_UNAVAILABLE', `crypto box ${path}: HTTP ${res.statusCode}, unexpected answer`);
  }
  return parsed.data;
}
