// The branding page's word on the branded e-receipt service: paid until a Moscow day, or unpaid with the Маркет linked.
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrandedService } from '../api/branding';

let service: BrandedService | undefined;
vi.mock('../api/branding', () => ({ useBrandedService: () => ({ data: service }) }));
const { BrandedServiceStatus, PreviewServiceTag } = await import('./BrandedServiceStatus');

function show() {
  render(
    <MemoryRouter>
      <BrandedServiceStatus organizationId={7} />
      <PreviewServiceTag organizationId={7} />
    </MemoryRouter>,
  );
}

afterEach(cleanup);

describe('BrandedServiceStatus', () => {
  it('says until which Moscow day the brand reaches buyers, with a link to extend it', () => {
    // 21:30 UTC is already the next day in Moscow.
    service = { organizationId: 7, active: true, activeUntil: '2027-01-04T21:30:00.000Z', periods: [] };
    show();
    expect(screen.getByText('Брендирование активно до 05.01.2027')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Продлить в Маркете' }).getAttribute('href')).toBe('/market?organizationId=7#branded-receipts');
    expect(screen.getByText('так чек увидит покупатель')).toBeTruthy();
  });

  it('says buyers get the standard receipt while unpaid, marks the preview inactive and links to the Маркет', () => {
    service = { organizationId: 7, active: false, activeUntil: null, periods: [] };
    show();
    expect(screen.getByText('Не оплачено — покупатели получают стандартный чек')).toBeTruthy();
    expect(screen.getByText('не активно: покупатели получают стандартный чек')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Купить в Маркете' }).getAttribute('href')).toBe('/market?organizationId=7#branded-receipts');
  });
});
