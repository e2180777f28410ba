/**
 * The session's CSRF token, in memory only (never localStorage): read from the sign-in answer or GET /auth/session
 * after a reload, sent in `x-csrf-token` on every state-changing request. And the "session ended" signal: a 401
 * UNAUTHENTICATED from any call tells the app to go to the sign-in page and come back afterwards.
 */
let csrfToken: string | null = null;
const endedListeners = new Set<() => void>();

export const sessionStore = {
  get csrfToken(): string | null {
    return csrfToken;
  },
  setCsrfToken(token: string | null): void {
    csrfToken = token;
  },
  onEnded(listener: () => void): () => void {
    endedListeners.add(listener);
    return () => endedListeners.delete(listener);
  },
  ended(): void {
    csrfToken = null;
    for (const l of endedListeners) l();
  },
};
