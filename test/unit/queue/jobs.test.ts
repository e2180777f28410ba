import { describe, expect, it } from 'vitest';
import { documentJobSchema, type DocumentJob } from '../../../src/queue/jobs.js';

const job: DocumentJob = {
  fn: '9999078900012345',
  fd: 1,
  form: 3,
  receivedAt: '2026-11-22T19:24:00.000Z',
  container: Buffer.from([0x5a, 0x01]).toString('base64'),
  crypto: 'none',
  signStatus: 'unverified',
  flk: { ok: false, codes: ['FLK_TOTAL_MISMATCH'] },
};

describe('documentJobSchema', () => {
  it('accepts a DocumentJob as JSON round-trips it', () => {
    expect(documentJobSchema.parse(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it.each([
    ['fn', '123'],
    ['fd', 0],
    ['receivedAt', 'yesterday'],
    ['container', 'not base64!'],
    ['crypto', 'gost'],
    ['signStatus', 'maybe'],
  ])('rejects a bad %s', (field, value) => {
    expect(documentJobSchema.safeParse({ ...job, [field]: value }).success).toBe(false);
  });
});
