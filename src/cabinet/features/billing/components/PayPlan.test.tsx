import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { planTariff } from '../lib/tariff-plan';
import { PayPlan } from './PayPlan';

const NB = '\u00a0';
const registers = [
  { id: 1, registrationNumber: '0000000000000001', until: null },
  { id: 2, registrationNumber: '0000000000000002', until: '2027-01-10' },
];

function show(balance: number, outcomes: { registerId: number; endsOn?: string; error?: string }[] = []) {
  const plan = planTariff(registers, { months: 12, priceToday: 300000 }, balance, '2026-12-05');
  render(
    <MemoryRouter>
      <PayPlan plan={plan} balance={balance} organizationId={7} paying={false} outcomes={outcomes} onPay={() => {}} />
    </MemoryRouter>,
  );
}

describe('PayPlan', () => {
  it('shows each register’s new paid-until day and what is left after paying', () => {
    show(1_000_000);
    expect(screen.getByText('оплачено до 04.12.2027')).toBeTruthy();
    expect(screen.getByText('оплачено до 10.01.2028')).toBeTruthy();
    expect(screen.getByText(/после оплаты останется 4 000,00/)).toBeTruthy();
    expect((screen.getByRole('button', { name: `Оплатить 6${NB}000,00${NB}₽` }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('says how much is missing and links to a top-up of that much, with paying disabled', () => {
    show(450_050);
    // Testing Library folds non-breaking spaces of the text into plain ones.
    expect(screen.getByText('Не хватает 1 499,50 ₽')).toBeTruthy();
    const link = screen.getByRole('link', { name: `Пополнить на 1${NB}500,00${NB}₽` });
    expect(link.getAttribute('href')).toBe('/billing?organizationId=7&amount=150000');
    expect((screen.getByRole('button', { name: `Оплатить 6${NB}000,00${NB}₽` }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('reports per register what was paid and what was not', () => {
    show(1_000_000, [
      { registerId: 1, endsOn: '2027-12-04' },
      { registerId: 2, error: 'На балансе не хватает денег' },
    ]);
    expect(screen.getByText('Оплачено: обслуживание до 04.12.2027')).toBeTruthy();
    expect(screen.getByText('Не оплачено: На балансе не хватает денег')).toBeTruthy();
  });
});
