// «Войти с помощью ЭЦП» on the sign-in page, with a test signer in place of the CryptoPro plug-in and the API's two
// answers stubbed at fetch: the challenge the server gave is what gets signed, the signature is what is sent back, and
// a refused signature shows the server's reason; a missing plug-in says what to install.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignerContext, SignerUnavailable, type Signer } from '../../../lib/signer';
import { SignatureSignIn } from './SignatureSignIn';

// openapi-fetch takes globalThis.fetch when the client module loads: route it through a handler each test sets.
const net = vi.hoisted(() => {
  const state: { handler?: (r: Request) => Promise<Response> } = {};
  globalThis.fetch = ((input: Request) => state.handler!(input)) as typeof fetch;
  return state;
});

const CHALLENGE = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i + 1)));

function testSigner(): Signer & { signed: Uint8Array[] } {
  const signed: Uint8Array[] = [];
  return {
    name: 'тестовая подпись',
    signed,
    listCertificates: () => Promise.resolve([{ thumbprint: 'AB12', subject: 'Иванов Иван', issuer: 'Тестовый УЦ', validTo: '01.01.2030' }]),
    signDetached: (thumbprint, data) => {
      signed.push(data);
      return Promise.resolve(`CMS-${thumbprint}-${data.length}`);
    },
  };
}

function renderWith(signer: Signer, onSignedIn = vi.fn()) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <SignerContext.Provider value={signer}>
        <SignatureSignIn onSignedIn={onSignedIn} />
      </SignerContext.Provider>
    </QueryClientProvider>,
  );
  return onSignedIn;
}

function stubApi(sessionAnswer: { status: number; body: unknown }) {
  const sent: { url: string; body: unknown }[] = [];
  net.handler = async (input: Request) => {
    const body = input.method === 'POST' ? await input.clone().text() : '';
    sent.push({ url: new URL(input.url).pathname, body: body ? JSON.parse(body) : undefined });
    const answer = input.url.endsWith('/challenge') ? { status: 200, body: { challenge: CHALLENGE, expiresAt: '2026-12-05T10:00:00.000Z' } } : sessionAnswer;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  return sent;
}

afterEach(() => {
  net.handler = undefined;
});

describe('sign-in with an electronic signature', () => {
  it('signs the server’s challenge with the chosen certificate and signs in', async () => {
    const signer = testSigner();
    const sent = stubApi({ status: 200, body: { csrfToken: 'c'.repeat(43), expiresIn: 43200, user: { id: 1, email: 'a@b.c', fullName: null, phone: null }, memberships: [] } });
    const onSignedIn = renderWith(signer);
    fireEvent.click(screen.getByRole('button', { name: 'Войти с помощью ЭЦП' }));
    fireEvent.click(await screen.findByRole('button', { name: /Подписать и войти/ }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(Array.from(signer.signed[0]!)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(sent.map((s) => s.url)).toEqual(['/api/v1/auth/signature/challenge', '/api/v1/auth/signature/session']);
    expect(sent[1]!.body).toEqual({ challenge: CHALLENGE, signature: 'CMS-AB12-32' });
  });

  it('shows the server’s reason when the signature is refused', async () => {
    stubApi({ status: 422, body: { statusCode: 422, code: 'SIGNATURE_REJECTED', message: 'Сертификат отозван удостоверяющим центром. Получите новый сертификат.' } });
    const onSignedIn = renderWith(testSigner());
    fireEvent.click(screen.getByRole('button', { name: 'Войти с помощью ЭЦП' }));
    fireEvent.click(await screen.findByRole('button', { name: /Подписать и войти/ }));
    expect(await screen.findByText('Сертификат отозван удостоверяющим центром. Получите новый сертификат.')).toBeTruthy();
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('says what to install when the plug-in is missing', async () => {
    const missing: Signer = { name: 'x', listCertificates: () => Promise.reject(new SignerUnavailable('КриптоПро ЭЦП Browser plug-in не установлен или не включён в браузере.')), signDetached: () => Promise.reject(new Error('no')) };
    renderWith(missing);
    fireEvent.click(screen.getByRole('button', { name: 'Войти с помощью ЭЦП' }));
    expect(await screen.findByText(/plug-in не установлен/)).toBeTruthy();
  });
});
