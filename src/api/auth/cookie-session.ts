/**
 * Browser sessions of the web cabinet: an httpOnly, SameSite=Lax cookie (`Secure` behind HTTPS) holding a random
 * opaque token; the database keeps only its SHA-256 (user_sessions), so sign-out revokes it server-side.
 *
 * CSRF: SameSite=Lax already keeps the cookie off cross-site POSTs; on top of that every state-changing request
 * (anything but GET, HEAD, OPTIONS) authenticated by the cookie must carry the session's CSRF token in `x-csrf-token`
 * (synchronizer-token pattern; the cabinet reads the token from the sign-in answer or `GET /auth/session`, never from
 * a cookie, and keeps it in memory only). Requests with `Authorization: Bearer …` (integrators) ignore the cookie and
 * need no CSRF token: a browser never attaches that header on its own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { membershipsOf } from '../../db/api-access.repository.js';
import { createSession, findLiveSession, touchSession } from '../../db/cabinet-sessions.repository.js';
import type { Database } from '../../db/database.js';
import type { User } from '../../db/tables/api-access.js';
import { ApiError } from '../errors.js';
import type { Principal } from './principal.js';
import { staffFlag } from './staff.js';
import { newToken, safeEqual, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = 'ofd_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const value = (request as { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/** The principal of a cookie session, or the error to answer; CSRF is checked here for state-changing methods. */
export async function resolveCookieSession(
  db: Kysely<Database>,
  request: FastifyRequest,
  token: string,
  operatorEmails?: ReadonlySet<string>,
): Promise<Principal | ApiError> {
  const found = await findLiveSession(db, sha256Hex(token));
  if (!found) return new ApiError('UNAUTHENTICATED', 'the session has ended: sign in again');
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !safeEqual(sent, found.session.csrf_token)) {
      return new ApiError('CSRF_FAILED', `a cookie-authenticated ${request.method} needs the session's CSRF token in ${CSRF_HEADER}`);
    }
  }
  touchSession(db, found.session.id).catch((e: unknown) => request.log.warn({ err: e }, 'could not record session use'));
  return {
    kind: 'user',
    userId: found.user.id,
    email: found.user.email,
    memberships: await membershipsOf(db, found.user.id),
    sessionId: found.session.id,
    ...staffFlag(operatorEmails, found.user.email),
  };
}

export interface StartedSession {
  csrfToken: string;
  expiresIn: number;
}

/** Creates a session for `user` and sets its cookie on the reply. */
export async function startCookieSession(
  db: Kysely<Database>,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
  opts: { ttlSeconds: number; secure: boolean },
): Promise<StartedSession> {
  const token = newToken();
  const csrfToken = newToken();
  await createSession(db, {
    userId: user.id,
    tokenHash: sha256Hex(token),
    csrfToken,
    tokenVersion: user.token_version,
    userAgent: request.headers['user-agent'] ?? null,
    ttlMs: opts.ttlSeconds * 1000,
  });
  void reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/', maxAge: opts.ttlSeconds });
  return { csrfToken, expiresIn: opts.ttlSeconds };
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** `Secure` when the cabinet is reached over HTTPS: the request says so, or the configured public URL does. */
export function cookieSecure(request: FastifyRequest, publicUrl: string | undefined): boolean {
  return request.protocol === 'https' || publicUrl?.startsWith('https://') === true;
}
