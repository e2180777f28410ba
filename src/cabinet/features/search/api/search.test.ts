import { describe, expect, it } from 'vitest';
import { cabinetPathOf, type SearchHit } from './search';

const hit = (href: string): SearchHit => ({ type: 'document', matched: 'fd', title: '', href });

describe('search hits → cabinet pages', () => {
  it('opens each API resource on its cabinet page', () => {
    expect(cabinetPathOf(hit('/api/v1/documents/9999078900000555/17'))).toBe('/receipts/9999078900000555/17');
    expect(cabinetPathOf(hit('/api/v1/registers/42'))).toBe('/registers/42');
    expect(cabinetPathOf(hit('/api/v1/fiscal-drives/9999078900000555'))).toBe('/receipts?fn=9999078900000555');
    expect(cabinetPathOf(hit('/api/v1/organizations/7'))).toBe('/registers?organizationId=7');
    expect(cabinetPathOf(hit('/api/v1/documents?organizationId=7'))).toBe('/receipts?organizationId=7');
    expect(cabinetPathOf(hit('/api/v1/outlets/3'))).toBe('/registers?outletId=3');
    expect(cabinetPathOf(hit('/api/v1/organizations/7/members'))).toBe('/team?organizationId=7');
    expect(cabinetPathOf(hit('/api/v1/webhooks/1'))).toBeUndefined();
  });
});
