/**
 * Random secrets and their digests: e-mail tokens, API keys, and the operator-token comparison. Every secret is 32
 * random bytes; only its SHA-256 is stored, so a database leak does not leak usable credentials.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time equality of two strings (through their digests, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A one-time token for an e-mailed link: 43 URL-safe characters. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** API keys look like `ofd_<12 hex prefix>_<43 base64url>`; the prefix finds the row, the digest checks the key. */
export const API_KEY_PATTERN = /^ofd_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKeySecret {
  key: string;
  prefix: string;
  hash: string;
}

export function newApiKey(): NewApiKeySecret {
  const prefix = randomBytes(6).toString('hex');
  const key = `ofd_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: sha256Hex(key) };
}

/** The prefix of a well-formed key, else undefined. */
export function apiKeyPrefix(key: string): string | undefined {
  return API_KEY_PATTERN.exec(key)?.[1];
}
