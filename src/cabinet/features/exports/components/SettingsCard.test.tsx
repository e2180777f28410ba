// Автоматические выгрузки: «Добавить» opens the dialog filled with the usual schedule (after each shift, receipts with
// their items, xlsx, every register, to the owners), and «Сохранить» sends it as the organization's whole list. In
// Chromium the dialog once opened empty — its values were set before its form existed — and saved nothing; jsdom did
// not show that (test/e2e/analytics.e2e.test.ts did). The API is stubbed at fetch.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { SettingsCard } from './SettingsCard';

const net = vi.hoisted(() => {
  const state: { sent: Array<{ method: string; url: string; body: unknown }> } = { sent: [] };
  globalThis.fetch = (async (input: Request) => {
    const body = input.method === 'GET' ? undefined : await input.clone().json();
    state.sent.push({ method: input.method, url: new URL(input.url).pathname, body });
    const answer = input.method === 'PUT' ? body : { items: [] };
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

describe('SettingsCard', () => {
  it('opens a new schedule filled with the usual values, and saves it', async () => {
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })}>
        <SettingsCard organizationId={7} />
      </QueryClientProvider>,
    );
    await screen.findByText(/Автоматических выгрузок нет/);
    fireEvent.click(screen.getByRole('button', { name: 'Добавить' }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(dialog.textContent).toContain('После закрытия каждой смены'));
    expect(dialog.textContent).toContain('Excel (xlsx)');
    fireEvent.click(screen.getByRole('button', { name: 'Сохранить' }));
    await waitFor(() => expect(net.sent.filter((r) => r.method === 'PUT')).toHaveLength(1));
    expect(net.sent.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      url: '/api/v1/organizations/7/export-settings',
      body: { items: [{ schedule: 'shift_closed', content: 'receipt_items', format: 'xlsx', registerIds: null, emails: [], enabled: true }] },
    });
  });
});
