// The manual top-up form: its own check stops a wrong form before any request; rubles are sent as kopecks with the
// reason; a retry of the same credit (after a lost answer) resends the same idempotency key, so the API credits once,
// while the next credit after a success gets a new one; the API's 400 lands on the field it names. API stubbed at fetch.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { TOP_UP_RULES } from '../lib/manual-top-up';
import { ManualTopUpForm } from './ManualTopUpForm';

type Sent = { url: string; body: { amount: number; comment: string; idempotencyKey: string } };
const net = vi.hoisted(() => {
  const state: { answers: Array<{ status: number; body: unknown }>; sent: Sent[] } = { answers: [], sent: [] };
  globalThis.fetch = (async (input: Request) => {
    state.sent.push({ url: new URL(input.url).pathname, body: await input.clone().json() });
    const a = state.answers.shift() ?? { status: 500, body: { code: 'INTERNAL', message: 'no answer queued' } };
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

function show(onCredited = vi.fn()) {
  net.sent.length = 0;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })}>
      <ManualTopUpForm organizationId={42} onCredited={onCredited} />
    </QueryClientProvider>,
  );
  return onCredited;
}

const errorOf = (label: string) => screen.getByLabelText(label).closest('.ant-form-item')!.querySelector('.ant-form-item-explain-error')?.textContent ?? '';
const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const send = () => fireEvent.click(screen.getByRole('button', { name: 'Пополнить вручную' }));
const balances = (balance: number) => ({ status: 201, body: { organizationId: 42, balance, sms: 0, smsPostpaid: 0, activationCodes: 0, debt: 0 } });

describe('ManualTopUpForm', () => {
  it('shows the rule on each wrong field and sends nothing', async () => {
    show();
    type('Сумма, ₽', '12,345');
    type('Основание', '   ');
    send();
    await waitFor(() => expect(errorOf('Сумма, ₽')).toContain(TOP_UP_RULES.amount));
    expect(errorOf('Основание')).toContain(TOP_UP_RULES.comment);
    type('Сумма, ₽', '0');
    send();
    await waitFor(() => expect(errorOf('Сумма, ₽')).toContain(TOP_UP_RULES.amount));
    expect(net.sent).toEqual([]);
  });

  it('sends kopecks with the reason; a retry of the same credit keeps its key, the next credit gets a new one', async () => {
    const onCredited = show();
    type('Сумма, ₽', '1 500,5');
    type('Основание', '  Оплата наличными, ПКО № 12 ');
    net.answers.push({ status: 503, body: { code: 'UNAVAILABLE', message: 'try later' } });
    send();
    await screen.findByRole('alert');
    net.answers.push(balances(250_050));
    send();
    await waitFor(() => expect(onCredited).toHaveBeenCalledWith(250_050));
    expect(net.sent).toHaveLength(2);
    expect(net.sent[0]!.url).toBe('/api/v1/organizations/42/operator-top-ups');
    expect(net.sent[0]!.body).toEqual({ amount: 150_050, comment: 'Оплата наличными, ПКО № 12', idempotencyKey: expect.stringMatching(/^manual:.{8,}/) });
    expect(net.sent[1]!.body).toEqual(net.sent[0]!.body);
    expect(screen.getByText(/^Зачислено/).textContent).toBe('Зачислено 1\u00a0500,50\u00a0₽. Баланс: 2\u00a0500,50\u00a0₽.');

    // The form is emptied; the same amount and reason again is a new credit: a new key.
    expect(screen.getByLabelText<HTMLInputElement>('Сумма, ₽').value).toBe('');
    type('Сумма, ₽', '1500,50');
    type('Основание', 'Оплата наличными, ПКО № 12');
    net.answers.push(balances(400_100));
    send();
    await waitFor(() => expect(onCredited).toHaveBeenCalledWith(400_100));
    expect(net.sent[2]!.body.idempotencyKey).not.toBe(net.sent[0]!.body.idempotencyKey);
  });

  it('puts the API’s refusal on the field it names', async () => {
    show();
    type('Сумма, ₽', '100');
    type('Основание', 'Корректировка');
    net.answers.push({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'invalid', details: [{ path: 'body.comment', message: 'too long', issue: 'too_big' }] } });
    send();
    await waitFor(() => expect(errorOf('Основание')).toContain(TOP_UP_RULES.comment));
    expect(errorOf('Сумма, ₽')).toBe('');
  });
});
