/** The cabinet session and the account steps (sign-up, confirmation, reset, change password, sign-out). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../lib/api/client';
import { ApiFailure } from '../../../lib/api/errors';
import type { paths } from '../../../lib/api/client';
import { sessionStore } from '../../../lib/api/session-store';

export type Session = paths['/api/v1/auth/session']['get']['responses'][200]['content']['application/json'];
export const SESSION_KEY = ['session'] as const;

/** The signed-in session, or null when there is none (401). */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<Session | null> => {
      try {
        const s = await unwrap(api.GET('/api/v1/auth/session'));
        sessionStore.setCsrfToken(s.csrfToken);
        return s;
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: Infinity,
  });
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.POST('/api/v1/auth/session', { body })),
    onSuccess: (s) => {
      sessionStore.setCsrfToken(s.csrfToken);
      qc.clear();
      qc.setQueryData(SESSION_KEY, s);
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/auth/session')),
    onSettled: () => {
      sessionStore.setCsrfToken(null);
      qc.clear();
      qc.setQueryData(SESSION_KEY, null);
    },
  });
}

export type SignUpBody = paths['/api/v1/auth/signup']['post']['requestBody']['content']['application/json'];

export function useSignUp() {
  return useMutation({ mutationFn: (body: SignUpBody) => unwrap(api.POST('/api/v1/auth/signup', { body })) });
}

export function useConfirmEmail() {
  return useMutation({ mutationFn: (token: string) => unwrap(api.POST('/api/v1/auth/confirm', { body: { token } })) });
}

export function useResendConfirmation() {
  return useMutation({ mutationFn: (email: string) => unwrap(api.POST('/api/v1/auth/confirm/resend', { body: { email } })) });
}

export function useRequestReset() {
  return useMutation({ mutationFn: (email: string) => unwrap(api.POST('/api/v1/auth/password-reset', { body: { email } })) });
}

export function useResetPassword() {
  return useMutation({
    mutationFn: (body: { token: string; password: string }) => unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body })),
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => unwrap(api.POST('/api/v1/me/password', { body })),
    onSuccess: (r) => sessionStore.setCsrfToken(r.csrfToken),
  });
}
