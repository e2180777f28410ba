// Кассы → «Зарегистрировать кассу» with a test signer in place of the CryptoPro plug-in and the API stubbed at fetch:
// the form's fields become the application the API takes, the XML the API generated is what gets signed, the
// signature goes to the application, and the wizard opens the application's page.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, prettyDOM, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { SignerContext, type Signer } from '../../../lib/signer';
import RegisterKktPage from './RegisterKktPage';

const net = vi.hoisted(() => {
  const state: { sent: { method: string; path: string; body: unknown }[] } = { sent: [] };
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    const text = input.method === 'GET' ? '' : await input.clone().text();
    state.sent.push({ method: input.method, path, body: text ? JSON.parse(text) : undefined });
    const answer =
      path === '/api/v1/organizations'
        ? { items: [{ id: 1, inn: '7704211201', name: 'ООО «Ромашка»' }], nextCursor: null }
        : path.endsWith('/kkt-applications')
          ? { id: 7, status: 'draft', fileId: 'KO_ZVLREGKKT_x', xml: '<Файл ИдФайл="KO_ZVLREGKKT_x"/>', history: [], documents: [] }
          : { id: 7, status: 'signed', fileId: 'KO_ZVLREGKKT_x', xml: '<Файл ИдФайл="KO_ZVLREGKKT_x"/>', history: [], documents: [] };
    return new Response(JSON.stringify(answer), { status: path.endsWith('/kkt-applications') ? 201 : 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return state;
});

const signed: string[] = [];
const testSigner: Signer = {
  name: 'тестовая подпись',
  listCertificates: () => Promise.resolve([{ thumbprint: 'AB12', subject: 'Иванов Иван', issuer: 'Тестовый УЦ', validTo: '01.01.2030' }]),
  signDetached: (_t, data) => {
    signed.push(new TextDecoder().decode(data));
    return Promise.resolve('U0lHTkFUVVJF');
  },
};

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('the «Зарегистрировать кассу» wizard', () => {
  // Was skipped: in the full parallel suite (CI) the form once never reached its signing step in jsdom, while it passes
  // alone in ≈ 1.4 s (and in ≈ 3.5 s beside three busy loops on two cores). A failure now prints what the page showed.
  it('prepares the application from the form, signs the generated XML and opens the application', { timeout: 90_000 }, async (ctx) => {
    ctx.onTestFailed(() => {
      process.stderr.write(`\n--- the wizard at the failure:\n${prettyDOM(document.body, 8000, { highlight: false }) || ''}\n--- requests: ${JSON.stringify(net.sent.map((r) => `${r.method} ${r.path}`))}\n`);
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <SignerContext.Provider value={testSigner}>
          <MemoryRouter initialEntries={['/registers/register-new']}>
            <Routes>
              <Route path="/registers/register-new" element={<RegisterKktPage />} />
              <Route path="/kkt-applications/:id" element={<p>страница заявления</p>} />
            </Routes>
          </MemoryRouter>
        </SignerContext.Provider>
      </QueryClientProvider>,
    );
    // Generous waits: the form's first render and each step run behind async queries, slower when the suite runs in parallel.
    const slow = { timeout: 25_000 };
    await screen.findByText(/ИНН 7704211201/, {}, slow);
    type('Модель ККТ', 'АТОЛ 30Ф');
    type('Заводской номер ККТ', '00106107300777');
    type('Модель ФН', 'ФН-1.2');
    type('Заводской номер ФН', '9999078900077701');
    type('Адрес установки (применения) ККТ', 'г. Москва, ул. Льва Толстого, д. 16');
    type('Место установки', 'Магазин');
    type('Регион', '77');
    type('Код ИФНС', '7704');
    type('Фамилия подписанта', 'Иванов');
    type('Имя', 'Иван');
    fireEvent.click(screen.getByLabelText('Маркированные товары'));
    fireEvent.click(screen.getByRole('button', { name: 'Сформировать заявление' }));

    // The button is disabled until the signer has listed the certificates; a click before that is lost (CI, once: the
    // page waited at this step with its certificate chosen and no signature requested).
    const signButton = () => screen.getByRole<HTMLButtonElement>('button', { name: /Подписать и отправить в ФНС/ });
    await waitFor(() => expect(signButton().disabled).toBe(false), slow);
    fireEvent.click(signButton());
    expect(await screen.findByText('страница заявления', {}, slow)).toBeTruthy();

    const create = net.sent.find((s) => s.method === 'POST' && s.path === '/api/v1/organizations/1/kkt-applications');
    expect(create?.body).toEqual({
      kind: 'registration',
      kkt: { model: 'АТОЛ 30Ф', serialNumber: '00106107300777' },
      fn: { model: 'ФН-1.2', serialNumber: '9999078900077701' },
      place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин' },
      modes: { markedGoodsSign: true },
      signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
    });
    await waitFor(() => expect(signed).toEqual(['<Файл ИдФайл="KO_ZVLREGKKT_x"/>']), slow);
    expect(net.sent.find((s) => s.path === '/api/v1/kkt-applications/7/signature')?.body).toEqual({ signature: 'U0lHTkFUVVJF' });
  });
});
