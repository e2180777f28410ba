// Every error code the API can answer is in the catalogue (src/api/errors.ts), documented, and published in OpenAPI.
// Regression guard: a new `new ApiError('SOME_CODE', …)` without a catalogue entry fails here (and in tsc).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, API_ERRORS, ApiError, errorCatalogueMarkdown, toApiError } from '../../../src/api/errors.js';

const API_DIR = fileURLToPath(new URL('../../../src/api/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('the error catalogue', () => {
  it('documents every code used in src/api', () => {
    const used = new Set<string>();
    for (const file of sources(API_DIR)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new ApiError\(\s*'([A-Z_]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\bcode:\s*'([A-Z][A-Z_]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    const undocumented = [...used].filter((c) => !(c in API_ERRORS));
    expect(undocumented).toEqual([]);
  });

  it('gives every code an HTTP error status and a description, and renders them all for OpenAPI', () => {
    const table = errorCatalogueMarkdown();
    for (const code of API_ERROR_CODES) {
      const { status, description } = API_ERRORS[code];
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(description.length).toBeGreaterThan(10);
      expect(table).toContain(`| \`${code}\` | ${status} |`);
    }
  });

  it('maps what is not an ApiError onto catalogue codes', () => {
    expect(toApiError(new Error('boom')).code).toBe('INTERNAL');
    expect(toApiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toApiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).code).toBe('PAYLOAD_TOO_LARGE');
    const e = new ApiError('NOT_FOUND', 'document not found');
    expect(toApiError(e)).toBe(e);
    expect(e.statusCode).toBe(404);
  });
});
