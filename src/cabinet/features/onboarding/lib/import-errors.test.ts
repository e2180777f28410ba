import { describe, expect, it } from 'vitest';
import { fileErrors } from './import-errors';

describe('fileErrors', () => {
  it('reads row and column from the API’s paths, in order, and ignores other issues', () => {
    expect(
      fileErrors([
        { path: 'file.rows.12.B', message: 'номер ФН — 16 цифр', issue: 'fn' },
        { path: 'file.rows.3.C', message: 'код партнёра', issue: 'partnerCode' },
        { path: 'file.rows.3.A', message: 'не заполнен', issue: 'serialNumber' },
        { path: 'body', message: 'not an xlsx file', issue: 'custom' },
      ]),
    ).toEqual([
      { key: 0, row: 3, column: 'A', message: 'не заполнен' },
      { key: 1, row: 3, column: 'C', message: 'код партнёра' },
      { key: 2, row: 12, column: 'B', message: 'номер ФН — 16 цифр' },
    ]);
  });
});
