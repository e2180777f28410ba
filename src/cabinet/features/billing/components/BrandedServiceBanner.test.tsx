// The shell's banner for the branded e-receipt service: the closest threshold sets its tone, an ended service says
// buyers get the standard receipt, «Продлить» leads to the Маркет of that organization, and it stays away from the
// Маркет itself.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrandedEnding } from '../api/billing';

let items: BrandedEnding[] = [];
vi.mock('../api/billing', () => ({ useBrandedEnding: () => ({ data: { items, total: items.length } }) }));
const { BrandedServiceBanner, brandedLevel } = await import('./BrandedServiceBanner');

const ending = (organizationId: number, daysLeft: number, ended = false): BrandedEnding => ({
  organizationId,
  organizationName: `ООО Бренд ${organizationId}`,
  endsAt: '2027-04-10T09:00:00.000Z',
  lastDay: '2027-04-10',
  daysLeft,
  ended,
});

function Where() {
  const l = useLocation();
  return <div data-testid="where">{`${l.pathname}${l.search}`}</div>;
}

function show(at = '/') {
  render(
    <MemoryRouter initialEntries={[at]}>
      <BrandedServiceBanner />
      <Routes>
        <Route path="*" element={<Where />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

describe('BrandedServiceBanner', () => {
  it('takes the closest threshold: ended before 1 day before 7 before 30; nothing beyond 30 days', () => {
    expect(brandedLevel([ending(1, 20), ending(2, 5)])).toBe('7');
    expect(brandedLevel([ending(1, 20), ending(2, -1, true)])).toBe('expired');
    expect(brandedLevel([ending(1, 0)])).toBe('1');
    expect(brandedLevel([ending(1, 31)])).toBeUndefined();
    expect(brandedLevel([])).toBeUndefined();
  });

  it('names the organizations with their last day and days left, and «Продлить» opens that organization’s Маркет', () => {
    items = [ending(7, 5), ending(8, 25)];
    show();
    expect(screen.getByText('Заканчивается оплаченное брендирование чеков')).toBeTruthy();
    expect(screen.getByText('ООО Бренд 7: до 10.04.2027, осталось 5 дней')).toBeTruthy();
    expect(screen.getByText('ООО Бренд 8: до 10.04.2027, осталось 25 дней')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Продлить' }));
    expect(screen.getByTestId('where').textContent).toBe('/market?organizationId=7');
  });

  it('says when branding is off: buyers get the standard receipt', () => {
    items = [ending(9, -2, true)];
    show();
    expect(screen.getByRole('alert').textContent).toContain('Брендирование отключено — покупатели получают стандартный чек');
    expect(screen.getByRole('button', { name: 'Включить' })).toBeTruthy();
  });

  it('is not shown in the Маркет, nor once closed in this session', () => {
    items = [ending(7, 5)];
    show('/market?organizationId=7');
    expect(screen.queryByText('Заканчивается оплаченное брендирование чеков')).toBeNull();
    cleanup();
    show();
    fireEvent.click(screen.getByRole('button', { name: /close|закрыть/i }));
    cleanup();
    show();
    expect(screen.queryByText('Заканчивается оплаченное брендирование чеков')).toBeNull();
  });
});
