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

/**
 * Sign-in with an electronic signature: a single-use challenge from the server, signed by the chosen certificate
 * through the signing plug-in (lib/signer.ts), exchanged for the same cookie session as a password sign-in.
 */
export function useSignInWithSignature() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (v: { sign: (data: Uint8Array) => Promise<string> }) => {
      const { challenge } = await unwrap(api.POST('/api/v1/auth/signature/challenge'));
      const bytes = Uint8Array.from(atob(challenge), (c) => c.charCodeAt(0));
      const signature = await v.sign(bytes);
      return unwrap(api.POST('/api/v1/auth/signature/session', { body: { challenge, signature } }));
    },
    onSuccess: (s) => {
      sessionStore.setCsrfToken(s.csrfToken);
      qc.clear();
      qc.setQueryData(SESSION_KEY, s);
    },
  });
}

/** The СНИЛС / personal ИНН that sign this user in with an electronic signature. */
export function useSignatureIdentities() {
  return useQuery({ queryKey: ['signature-identities'], queryFn: () => unwrap(api.GET('/api/v1/me/signature-identities')) });
}

/** Binds the certificate that signs a fresh challenge (its СНИЛС and personal ИНН) to the signed-in user. */
export function useBindSignature() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (v: { sign: (data: Uint8Array) => Promise<string> }) => {
      const { challenge } = await unwrap(api.POST('/api/v1/auth/signature/challenge'));
      const signature = await v.sign(Uint8Array.from(atob(challenge), (c) => c.charCodeAt(0)));
      return unwrap(api.POST('/api/v1/me/signature-identities', { body: { challenge, signature } }));
    },
    onSuccess: (d) => qc.setQueryData(['signature-identities'], d),
  });
}
