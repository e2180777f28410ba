// Re-registration and deregistration wizards with the API stubbed at fetch (in the shapes the API serves): a reason
// asks only for what it changes, the fields come prefilled from what the server knows of the register, and the body
// sent is the application the API takes — written out here by hand, not by the code under test.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import DeregisterKktPage from './DeregisterKktPage';
import ReregisterKktPage from './ReregisterKktPage';

const RNM = '0001000001057967';
const net = vi.hoisted(() => {
  const state: { sent: { path: string; body: unknown }[] } = { sent: [] };
  const prefill = {
    kktRegId: '0001000001057967',
    registerId: 5,
    application: {
      kktRegId: '0001000001057967',
      kkt: { model: 'АТОЛ 30Ф', serialNumber: '00106107300777' },
      fn: { model: 'ФН-1.2', serialNumber: '9999078900077701' },
      place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин' },
      modes: { markedGoodsSign: true, offlineMode: false },
      signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
    },
    closingReport: { dateTime: '2026-12-04T21:05:00', fiscalDocumentNumber: 412, fiscalSign: '3522466391' },
    replacementReport: { dateTime: '2026-12-05T09:01:00', fiscalDocumentNumber: 1, fiscalSign: '1109277351' },
    replacementFn: '9999078900077702',
    sources: ['заявление № 3', 'отчёт о регистрации ФД № 1'],
  };
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === 'GET' ? '' : await input.clone().text();
    if (input.method !== 'GET') state.sent.push({ path: url.pathname, body: JSON.parse(text) });
    const answer =
      url.pathname === '/api/v1/registers/5'
        ? { id: 5, organizationId: 1, registrationNumber: '0001000001057967' }
        : url.pathname.endsWith('/prefill')
          ? prefill
          : url.pathname === '/api/v1/kkt-models'
            ? { kkt: [], fn: [] }
            : { id: 9, status: 'draft', kind: 'reregistration', fileId: 'KO_ZVLREGKKT_x', xml: '<Файл/>', history: [], documents: [], warnings: [] };
    return new Response(JSON.stringify(answer), { status: input.method === 'POST' ? 201 : 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

function open(path: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/registers/:id/reregister" element={<ReregisterKktPage />} />
          <Route path="/registers/:id/deregister" element={<DeregisterKktPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** The watched reasons re-render the form a moment after the click: wait for the field. */
const valueOf = async (label: string) => ((await screen.findByLabelText(label)) as HTMLInputElement).value;
const signer = { role: '1', lastName: 'Иванов', firstName: 'Иван' };
const kkt = { model: 'АТОЛ 30Ф', serialNumber: '00106107300777' };

describe('the re-registration and deregistration wizards', () => {
  it('FN replacement asks only for the new FN and the two reports, prefilled, and sends the application', async () => {
    net.sent.length = 0;
    open('/registers/5/reregister');
    fireEvent.click(await screen.findByLabelText('Замена фискального накопителя'));
    expect(await valueOf('Заводской номер нового ФН')).toBe('9999078900077702');
    expect(await valueOf('Отчёт о закрытии прежнего ФН: номер ФД')).toBe('412');
    expect(await valueOf('Отчёт об изменении параметров регистрации: ФП')).toBe('1109277351');
    expect(screen.queryByLabelText('Новый адрес установки (применения) ККТ')).toBeNull();
    expect(screen.queryByLabelText('ИНН нового ОФД')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Сформировать заявление' }));
    await waitFor(() => expect(net.sent).toHaveLength(1));
    expect(net.sent[0]).toEqual({
      path: '/api/v1/organizations/1/kkt-applications',
      body: {
        kind: 'reregistration',
        kktRegId: RNM,
        reasons: ['3'],
        kkt,
        fn: { model: 'ФН-1.2', serialNumber: '9999078900077702' },
        place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин' },
        modes: { markedGoodsSign: true, offlineMode: false },
        signer,
        closingReport: { dateTime: '2026-12-04T21:05:00', fiscalDocumentNumber: 412, fiscalSign: '3522466391' },
        reregistrationReport: { dateTime: '2026-12-05T09:01:00', fiscalDocumentNumber: 1, fiscalSign: '1109277351' },
      },
    });
    expect(await screen.findByLabelText('XML заявления')).toBeTruthy();
  });

  it('an address change asks for the address only; going offline needs no field', async () => {
    net.sent.length = 0;
    open('/registers/5/reregister');
    fireEvent.click(await screen.findByLabelText('Изменение адреса или места установки ККТ'));
    fireEvent.click(screen.getByLabelText('Переход в автономный режим'));
    expect(screen.queryByLabelText('Заводской номер нового ФН')).toBeNull();
    fireEvent.change(await screen.findByLabelText('Новый адрес установки (применения) ККТ'), { target: { value: 'г. Москва, ул. Тверская, д. 1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Сформировать заявление' }));
    await waitFor(() => expect(net.sent).toHaveLength(1));
    expect(net.sent[0]!.body).toMatchObject({
      reasons: ['1', '5'],
      place: { retailPlaceAddress: 'г. Москва, ул. Тверская, д. 1', retailPlace: 'Магазин' },
      modes: { offlineMode: true },
    });
    expect(net.sent[0]!.body).not.toHaveProperty('closingReport');
  });

  it('deregistration: the closing report (prefilled) by the user’s decision, none after a theft', async () => {
    net.sent.length = 0;
    open('/registers/5/deregister');
    fireEvent.click(await screen.findByLabelText('Хищение ККТ'));
    expect(screen.queryByLabelText('Отчёт о закрытии ФН: номер ФД')).toBeNull();
    fireEvent.click(screen.getByLabelText(/По решению пользователя/));
    expect(await valueOf('Отчёт о закрытии ФН: номер ФД')).toBe('412');
    fireEvent.click(screen.getByRole('button', { name: 'Сформировать заявление' }));
    await waitFor(() => expect(net.sent).toHaveLength(1));
    expect(net.sent[0]!.body).toEqual({
      kind: 'deregistration',
      kktRegId: RNM,
      reason: '1',
      kkt,
      fn: { model: 'ФН-1.2', serialNumber: '9999078900077701' },
      place: { taxAuthorityCode: '7704' },
      signer,
      closingReport: { dateTime: '2026-12-04T21:05:00', fiscalDocumentNumber: 412, fiscalSign: '3522466391' },
    });
  });
});
