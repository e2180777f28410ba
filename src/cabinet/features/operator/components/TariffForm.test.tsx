// The tariff form: its own check stops a wrong form before any request; the API's 400 lands on the field it names,
// a taken code on «Код»; a created tariff is sent as kopecks and the form closes. The API is stubbed at fetch.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FIELD_RULES } from '../lib/tariff-form';
import { TariffForm } from './TariffForm';

const net = vi.hoisted(() => {
  const state: { answers: Array<{ status: number; body: unknown }>; sent: Array<{ url: string; body: unknown }> } = { answers: [], sent: [] };
  globalThis.fetch = (async (input: Request) => {
    state.sent.push({ url: new URL(input.url).pathname, body: input.method === 'GET' ? undefined : await input.clone().json() });
    const a = state.answers.shift() ?? { status: 200, body: { items: [] } };
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

function show(onClose = vi.fn()) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })}>
      <TariffForm open tariff={undefined} onClose={onClose} />
    </QueryClientProvider>,
  );
  return onClose;
}

/** The error shown under the field (not its hint, which may state the same rule). */
const errorOf = (label: string) => screen.getByLabelText(label).closest('.ant-form-item')!.querySelector('.ant-form-item-explain-error')?.textContent ?? '';
const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

async function fillValid() {
  type('Код', 'year-12');
  type('Название', 'Год обслуживания');
  type('Цена за кассу, ₽', '3 000');
  fireEvent.click(screen.getByLabelText('Акция'));
  // The promotion's fields appear once the switch is on.
  await screen.findByLabelText('Цена по акции, ₽');
  type('Цена по акции, ₽', '2500');
  type('Начало акции', '2026-12-01');
  type('Конец акции', '2026-12-31');
}

describe('TariffForm', () => {
  it('shows the rule on each wrong field and sends nothing', async () => {
    net.sent.length = 0;
    show();
    type('Код', 'Год 12');
    fireEvent.click(screen.getByRole('button', { name: 'Создать тариф' }));
    await waitFor(() => expect(errorOf('Код')).toContain(FIELD_RULES.code));
    expect(errorOf('Название')).toContain(FIELD_RULES.name);
    expect(errorOf('Цена за кассу, ₽')).toContain(FIELD_RULES.price);
    expect(net.sent).toEqual([]);
  });

  it('puts the API’s refusal on the field it names, and a taken code on «Код»', async () => {
    show();
    await fillValid();
    net.answers.push({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'invalid', details: [{ path: 'body.promo.until', message: 'until is before from', issue: 'custom' }] } });
    fireEvent.click(screen.getByRole('button', { name: 'Создать тариф' }));
    await waitFor(() => expect(errorOf('Конец акции')).toContain(FIELD_RULES.promoUntil));
    expect(errorOf('Код')).toBe('');

    net.answers.push({ status: 409, body: { code: 'TARIFF_EXISTS', message: 'tariff year-12 exists' } });
    fireEvent.click(screen.getByRole('button', { name: 'Создать тариф' }));
    await waitFor(() => expect(errorOf('Код')).toContain('Тариф с кодом «year-12» уже есть: выберите другой код.'));
  });

  it('sends the tariff in kopecks with its promotion and closes', async () => {
    net.sent.length = 0;
    const onClose = show();
    await fillValid();
    net.answers.push({ status: 201, body: { id: 5 } });
    fireEvent.click(screen.getByRole('button', { name: 'Создать тариф' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(net.sent[0]).toEqual({
      url: '/api/v1/tariffs',
      body: { code: 'year-12', months: 12, name: 'Год обслуживания', price: 300_000, promo: { price: 250_000, from: '2026-12-01', until: '2026-12-31' }, active: true },
    });
  });
});
