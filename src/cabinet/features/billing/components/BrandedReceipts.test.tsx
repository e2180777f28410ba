// The Маркет's branded e-receipt card: both offers with their prices, the paid-until day, and a purchase confirmed
// only when the balance covers it (else the shortfall and a top-up link).
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Balances, BrandedService } from '../api/billing';

const NB = '\u00a0';
let service: BrandedService;
const mutate = vi.fn();
vi.mock('../api/billing', () => ({
  useBrandedOffers: () => ({
    data: {
      items: [
        { code: 'branded-1m', name: 'Брендированные чеки, 1 месяц', months: 1, price: 49_000 },
        { code: 'branded-12m', name: 'Брендированные чеки, 12 месяцев', months: 12, price: 490_000 },
      ],
    },
  }),
  useBrandedService: () => ({ data: service }),
  useBuyBrandedReceipts: () => ({ mutate, isPending: false, error: null }),
}));
const { BrandedReceipts } = await import('./BrandedReceipts');

function show(balance: number) {
  render(
    <MemoryRouter>
      <BrandedReceipts organizationId={7} balances={{ balance } as Balances} />
    </MemoryRouter>,
  );
}

afterEach(cleanup);

describe('BrandedReceipts', () => {
  it('shows both periods with their prices and until when the service is paid', () => {
    service = { organizationId: 7, active: true, activeUntil: '2027-01-04T21:30:00.000Z', periods: [] };
    show(100_000);
    // Testing Library folds non-breaking spaces of the text into plain ones.
    expect(screen.getByText('490,00 ₽')).toBeTruthy();
    expect(screen.getByText('4 900,00 ₽')).toBeTruthy();
    expect(screen.getByText('05.01.2027')).toBeTruthy();
  });

  it('buys under one key when the balance covers it, and names the shortfall when it does not', async () => {
    service = { organizationId: 7, active: false, activeUntil: null, periods: [] };
    show(100_000);
    expect(screen.getByText(/Не оплачено — покупатели получают стандартный чек/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Купить «Брендированные чеки, 12 месяцев»' }));
    expect(await screen.findByText('Не хватает 3 900,00 ₽')).toBeTruthy();
    expect((screen.getByRole('button', { name: `Оплатить 4${NB}900,00${NB}₽` }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Отмена' }));
    fireEvent.click(screen.getByRole('button', { name: 'Купить «Брендированные чеки, 1 месяц»' }));
    fireEvent.click(await screen.findByRole('button', { name: `Оплатить 490,00${NB}₽` }));
    expect(mutate).toHaveBeenCalledWith({ product: 'branded-1m', idempotencyKey: expect.stringMatching(/^branded:/) }, expect.anything());
  });
});
