/**
 * The typed API client: openapi-fetch over the types openapi-typescript generates from the API's own OpenAPI document
 * at build time (scripts/cabinet-openapi.ts → schema.gen.ts). A request or response that no longer matches the API
 * fails `npm run build`.
 *
 * Same origin, the session cookie goes along by itself (httpOnly: this code never sees it); the CSRF token is added to
 * state-changing requests.
 */
import createClient from 'openapi-fetch';
import { ApiFailure, failureFrom } from './errors';
import type { paths } from './schema.gen';
import { sessionStore } from './session-store';

export type { paths } from './schema.gen';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const api = createClient<paths>({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin, credentials: 'same-origin' });

api.use({
  onRequest({ request }) {
    const token = sessionStore.csrfToken;
    if (UNSAFE.has(request.method) && token !== null) request.headers.set('x-csrf-token', token);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) {
      const body = (await response.clone().json().catch(() => ({}))) as { code?: string };
      // Wrong password at sign-in is INVALID_CREDENTIALS, not a lost session.
      if (body.code === 'UNAUTHENTICATED') sessionStore.ended();
    }
    return response;
  },
});

interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiFailure carrying the API's error code (NETWORK when the server was not reached). */
export async function unwrap<D>(call: Promise<FetchResult<D>>): Promise<D> {
  let result: FetchResult<D>;
  try {
    result = await call;
  } catch (e) {
    throw new ApiFailure(0, 'NETWORK', (e as Error).message);
  }
  if (!result.response.ok) throw failureFrom(result.response.status, result.error);
  return result.data as D;
}
