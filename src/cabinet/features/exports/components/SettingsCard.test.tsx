// Автоматические выгрузки: «Добавить» opens the dialog filled with the usual schedule (after each shift, receipts with
// their items, xlsx, every register, to the owners); «Изменить» opens the setting it is next to, however many dialogs
// were opened before; «Сохранить» sends the organization's whole list with that one changed. In Chromium the dialog
// once opened empty (its values were set before its form existed) and then showed the previous dialog's values (one
// form kept across dialogs). The API is stubbed at fetch.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { SettingsCard } from './SettingsCard';

const DAILY = { schedule: 'daily', content: 'shift_summary', format: 'csv', registerIds: null, emails: ['buh@example.ru'], enabled: true };
const MONTHLY = { schedule: 'monthly', content: 'receipt_items', format: 'xlsx', registerIds: null, emails: ['boss@example.ru'], enabled: false };

const net = vi.hoisted(() => {
  const state: { settings: unknown[]; refuse: boolean; sent: Array<{ method: string; url: string; body: unknown }> } = { settings: [], refuse: false, sent: [] };
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url).pathname;
    const body = input.method === 'GET' ? undefined : await input.clone().json();
    state.sent.push({ method: input.method, url, body });
    if (input.method === 'PUT' && state.refuse) {
      return new Response(JSON.stringify({ code: 'UNAVAILABLE', message: 'try again' }), { status: 503, headers: { 'content-type': 'application/json' } });
    }
    const answer = input.method === 'PUT' ? body : url.endsWith('/export-settings') ? { items: state.settings } : { items: [] };
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })}>
      <SettingsCard organizationId={7} />
    </QueryClientProvider>,
  );
}

/** The open dialog (the last one: antd keeps a closing one in the page while it fades). */
async function openDialog(button: HTMLElement): Promise<HTMLElement> {
  const before = screen.queryAllByRole('dialog').length;
  fireEvent.click(button);
  await waitFor(() => expect(screen.queryAllByRole('dialog').length).toBeGreaterThan(before === 0 ? 0 : before - 1));
  return screen.getAllByRole('dialog').at(-1)!;
}

const puts = () => net.sent.filter((r) => r.method === 'PUT').map((r) => r.body);

describe('SettingsCard', () => {
  it('opens a new schedule filled with the usual values, and saves it', async () => {
    net.settings = [];
    net.sent.length = 0;
    show();
    await screen.findByText(/Автоматических выгрузок нет/);
    const dialog = await openDialog(screen.getByRole('button', { name: 'Добавить' }));
    await waitFor(() => expect(dialog.textContent).toContain('После закрытия каждой смены'));
    expect(dialog.textContent).toContain('Excel (xlsx)');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Сохранить' }));
    await waitFor(() => expect(puts()).toHaveLength(1));
    expect(puts()[0]).toEqual({ items: [{ schedule: 'shift_closed', content: 'receipt_items', format: 'xlsx', registerIds: null, emails: [], enabled: true }] });
  });

  it('opens each setting with its own values, one dialog after another, and saves only the one edited', async () => {
    net.settings = [DAILY, MONTHLY];
    net.sent.length = 0;
    show();
    await screen.findByText(/Ежедневно/);
    const edit = () => screen.getAllByRole('button', { name: 'Изменить' });
    let dialog = await openDialog(edit()[0]!);
    await waitFor(() => expect(dialog.textContent).toContain('Ежедневно (за вчера)'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Отмена' }));
    dialog = await openDialog(edit()[1]!);
    await waitFor(() => expect(dialog.textContent).toContain('Ежемесячно (за прошлый месяц)'));
    expect(dialog.textContent).toContain('boss@example.ru');
    expect(dialog.textContent).not.toContain('buh@example.ru');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Отмена' }));
    dialog = await openDialog(screen.getByRole('button', { name: 'Добавить' }));
    await waitFor(() => expect(dialog.textContent).toContain('После закрытия каждой смены'));
    expect(dialog.textContent).not.toContain('boss@example.ru');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Отмена' }));
    dialog = await openDialog(edit()[1]!);
    await waitFor(() => expect(dialog.textContent).toContain('Ежемесячно (за прошлый месяц)'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Сохранить' }));
    await waitFor(() => expect(puts()).toHaveLength(1));
    expect(puts()[0]).toEqual({ items: [DAILY, MONTHLY] });
  });

  it('shows a refused save in its dialog, which stays open, and not in the next one', async () => {
    net.settings = [DAILY];
    net.sent.length = 0;
    net.refuse = true;
    show();
    await screen.findByText(/Ежедневно/);
    let dialog = await openDialog(screen.getByRole('button', { name: 'Изменить' }));
    await waitFor(() => expect(dialog.textContent).toContain('Ежедневно (за вчера)'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Сохранить' }));
    await waitFor(() => expect(dialog.textContent).toContain('Не сохранено'));
    net.refuse = false;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Отмена' }));
    dialog = await openDialog(screen.getByRole('button', { name: 'Добавить' }));
    await waitFor(() => expect(dialog.textContent).toContain('После закрытия каждой смены'));
    expect(dialog.textContent).not.toContain('Не сохранено');
  });
});
