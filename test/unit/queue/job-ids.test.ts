import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { documentJobId, notifyJobId, parseDocumentJobId } from '../../../src/queue/job-ids.js';

describe('documentJobId', () => {
  it('is fn-<FN>-fd-<FD> (architecture §1)', () => {
    expect(documentJobId('9999078900012345', 42)).toBe('fn-9999078900012345-fd-42');
  });

  it.each([
    ['123', 1],
    ['999907890001234X', 1],
    ['99990789000123456', 1],
    ['9999078900012345', 0],
    ['9999078900012345', -1],
    ['9999078900012345', 1.5],
    ['9999078900012345', 2 ** 32],
    ['9999078900012345', Number.NaN],
  ])('rejects fn %j fd %j with QUEUE_BAD_JOB_ID', (fn, fd) => {
    expect(() => documentJobId(fn, fd)).toThrow(expect.objectContaining({ code: 'QUEUE_BAD_JOB_ID' }));
  });

  test.prop([fc.stringMatching(/^\d{16}$/), fc.integer({ min: 1, max: 0xffff_ffff })])(
    'round-trips through parseDocumentJobId and is never a plain integer or contains ":"',
    (fn, fd) => {
      const id = documentJobId(fn, fd);
      expect(parseDocumentJobId(id)).toEqual({ fn, fd });
      expect(String(Number.parseInt(id, 10))).not.toBe(id);
      expect(id).not.toContain(':');
    },
  );

  it('parses only document job ids', () => {
    expect(parseDocumentJobId('fn-9999078900012345-fd-0')).toBeUndefined();
    expect(parseDocumentJobId('fn-123-fd-1')).toBeUndefined();
    expect(parseDocumentJobId('fn-9999078900012345-fd-4294967296')).toBeUndefined();
    expect(parseDocumentJobId('42')).toBeUndefined();
  });
});

describe('notifyJobId', () => {
  it('adds the channel to the document id', () => {
    expect(notifyJobId('9999078900012345', 7, 'email')).toBe('fn-9999078900012345-fd-7-email');
  });

  it('rejects a channel that could break the id', () => {
    expect(() => notifyJobId('9999078900012345', 7, 'a:b')).toThrow(expect.objectContaining({ code: 'QUEUE_BAD_JOB_ID' }));
  });
});
