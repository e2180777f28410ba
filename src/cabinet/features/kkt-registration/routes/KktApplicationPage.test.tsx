// The application's status page: the status in words, the РНМ with what to do next, a registration report that did
// not match with the advice, the history in order, and the documents as download links — from the API's answer
// (stubbed at fetch, in the shape the API serves).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import KktApplicationPage from './KktApplicationPage';

const net = vi.hoisted(() => {
  const state: { answer?: unknown; urls: string[] } = { urls: [] };
  globalThis.fetch = ((input: Request) => {
    state.urls.push(new URL(input.url).pathname);
    return Promise.resolve(new Response(JSON.stringify(state.answer), { status: 200, headers: { 'content-type': 'application/json' } }));
  }) as typeof fetch;
  return state;
});

const application = {
  id: 7,
  organizationId: 1,
  kind: 'registration',
  status: 'rnm_assigned',
  kktSerialNumber: '00106107300777',
  fnSerialNumber: '9999078900077701',
  kktRegId: '0001000001057967',
  fileId: 'KO_ZVLREGKKT_7704_7704_7704211201770401001_20261205_3f1c1f0e-9a57-4d39-8b8e-2f3f0b7a9c11',
  signer: { commonName: 'ООО «Ромашка»' },
  refusal: null,
  report: null,
  mismatch: { advice: 'Отчёт о регистрации пришёл с другим фискальным накопителем. Если ФН заменили — подайте заявление о перерегистрации.' },
  documents: ['application.xml', 'application.xml.sig', 'fns-answer.json'],
  createdAt: '2026-12-05T09:00:00.000Z',
  updatedAt: '2026-12-05T09:05:00.000Z',
  input: {},
  xml: '<Файл/>',
  history: [
    { status: 'draft', message: 'Заявление подготовлено, ждёт подписи', data: null, at: '2026-12-05T09:00:00.000Z' },
    { status: 'rnm_assigned', message: 'ФНС присвоила регистрационный номер 0001000001057967', data: null, at: '2026-12-05T09:04:00.000Z' },
  ],
};

describe('the KKT application page', () => {
  it('shows the status, the РНМ and what to do, the mismatch advice, the history and the downloads', async () => {
    net.answer = application;
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={['/kkt-applications/7']}>
          <Routes>
            <Route path="/kkt-applications/:id" element={<KktApplicationPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByText('РНМ присвоен: ждём отчёт о регистрации')).toBeTruthy();
    expect(screen.getByText(/Введите РНМ 0001000001057967 в кассу/)).toBeTruthy();
    expect(screen.getByText('Отчёт о регистрации не совпадает с заявлением')).toBeTruthy();
    expect(screen.getByText(/подайте заявление о перерегистрации/)).toBeTruthy();
    expect(screen.getByText(/Заявление подготовлено, ждёт подписи/)).toBeTruthy();
    expect(screen.getByText(/ФНС присвоила регистрационный номер/)).toBeTruthy();
    expect(screen.getByText('Заявление № 7 о регистрации ККТ')).toBeTruthy();
    const xml = screen.getByRole('link', { name: 'Заявление (XML)' });
    expect(xml.getAttribute('href')).toBe('/api/v1/kkt-applications/7/documents/application.xml');
    expect(screen.getByRole('link', { name: 'Подпись (CMS)' }).getAttribute('href')).toBe('/api/v1/kkt-applications/7/documents/application.xml.sig');
    expect(net.urls).toContain('/api/v1/kkt-applications/7');
  });
});
