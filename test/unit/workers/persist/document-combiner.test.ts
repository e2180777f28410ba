import { describe, expect, it } from 'vitest';
import { isPerJobError } from '../../../../src/workers/persist/document-combiner.js';

describe('isPerJobError', () => {
  it('retries a failed batch job by job for data, constraint and deadlock errors', () => {
    for (const code of ['22021', '22P05', '23505', '40P01', '42P01']) expect(isPerJobError({ code })).toBe(true);
  });
  it('does not when PostgreSQL is unreachable or shutting down', () => {
    for (const e of [{ code: '08006' }, { code: '57P01' }, { code: '53300' }, { code: 'ECONNREFUSED' }, new Error('timeout'), undefined]) {
      expect(isPerJobError(e)).toBe(false);
    }
  });
});
