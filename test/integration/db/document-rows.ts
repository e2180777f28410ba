// Minimal valid rows for the document tables, for tests.
import type { NewDocumentRow } from '../../../src/db/tables/documents.js';

export function documentRow(overrides: Partial<NewDocumentRow> & Pick<NewDocumentRow, 'fn' | 'fd' | 'received_at'>): NewDocumentRow {
  return {
    form: 3,
    ffd_version: 4,
    date_time: '2024-09-17T18:01:00',
    raw_container: Buffer.from([0x00, 0x2a, 0xa5, 0x03]),
    sign_status: 'verified',
    flk_status: 'passed',
    ...overrides,
  };
}
