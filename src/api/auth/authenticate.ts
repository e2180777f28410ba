/**
 * Authentication: `Authorization: Bearer <credential>` → a Principal, in an onRequest hook for every route.
 * The credential is, in this order: the operator token (OFD_ADMIN_TOKEN, compared in constant time), an API key
 * (`ofd_<prefix>_<secret>`: found by prefix, SHA-256 compared in constant time, not revoked), or a session token from
 * login (a JWT carrying the user id and token version; the user must still be active and the version current).
 *
 * Without an Authorization header, the cabinet's session cookie is read instead (cookie-session.ts).
 *
 * Routes under /api/v1 need a principal unless their config says `public: true`; elsewhere (ops, /docs) nobody needs one.
 * On public routes a credential is still read when valid, so rate limits key on it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { findApiKeyByPrefix, findUserById, membershipsOf, touchApiKey } from '../../db/api-access.repository.js';
import type { Database } from '../../db/database.js';
import type {} from '@fastify/jwt';
import { ApiError } from '../errors.js';
import { resolveCookieSession, sessionCookieOf } from './cookie-session.js';
import type { Principal } from './principal.js';
import { staffFlag } from './staff.js';
import { apiKeyPrefix, safeEqual, sha256Hex } from './secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null on public routes without (valid) credentials. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Reachable without credentials (sign-up, login, password reset). */
    public?: boolean;
  }
}

export const API_PREFIX = '/api/v1';

export interface SessionClaims {
  /** User id. */
  sub: string;
  /** users.token_version when issued. */
  tv: number;
}

export interface AuthenticateOptions {
  readonly db: Kysely<Database>;
  readonly adminToken: string | undefined;
  /** Lower-case e-mails of the operator's staff (`OFD_OPERATOR_EMAILS`): their users get `operator: true`. */
  readonly operatorEmails?: ReadonlySet<string>;
}

async function resolve(app: FastifyInstance, opts: AuthenticateOptions, credential: string): Promise<Principal | ApiError> {
  if (opts.adminToken !== undefined && safeEqual(credential, opts.adminToken)) return { kind: 'operator' };

  const prefix = apiKeyPrefix(credential);
  if (prefix !== undefined) {
    const key = await findApiKeyByPrefix(opts.db, prefix);
    if (!key || !safeEqual(sha256Hex(credential), key.key_hash)) return new ApiError('UNAUTHENTICATED', 'unknown API key');
    if (key.revoked_at !== null) return new ApiError('UNAUTHENTICATED', 'the API key is revoked');
    touchApiKey(opts.db, key.id).catch((e: unknown) => app.log.warn({ err: e }, 'could not record API key use'));
    return { kind: 'apiKey', keyId: key.id, organizationId: key.organization_id, scopes: new Set(key.scopes) };
  }

  let claims: SessionClaims;
  try {
    claims = app.jwt.verify<SessionClaims>(credential);
  } catch {
    return new ApiError('UNAUTHENTICATED', 'invalid or expired token');
  }
  const userId = Number(claims.sub);
  const user = Number.isSafeInteger(userId) ? await findUserById(opts.db, userId) : undefined;
  if (!user || user.token_version !== claims.tv) return new ApiError('UNAUTHENTICATED', 'invalid or expired token');
  if (user.status !== 'active') return new ApiError('UNAUTHENTICATED', 'the user is not active');
  return { kind: 'user', userId: user.id, email: user.email, memberships: await membershipsOf(opts.db, user.id), ...staffFlag(opts.operatorEmails, user.email) };
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? '';
}

export function installAuthentication(app: FastifyInstance, opts: AuthenticateOptions): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.url?.startsWith(API_PREFIX) === true && request.routeOptions.config.public !== true;
    const credential = bearer(request);
    // No Authorization header: the cabinet's session cookie, if any (cookie-session.ts; CSRF is checked there).
    const cookie = credential === undefined && request.routeOptions.url?.startsWith(API_PREFIX) ? sessionCookieOf(request) : undefined;
    if (cookie !== undefined) {
      const result = await resolveCookieSession(opts.db, request, cookie, opts.operatorEmails);
      if (result instanceof ApiError) {
        if (needed) throw result;
        return;
      }
      request.principal = result;
      return;
    }
    if (credential === undefined || credential === '') {
      if (needed) {
        throw new ApiError('UNAUTHENTICATED', credential === undefined ? 'missing Authorization: Bearer <token>' : 'malformed Authorization header');
      }
      return;
    }
    if (!request.routeOptions.url?.startsWith(API_PREFIX)) return;
    const result = await resolve(app, opts, credential);
    if (result instanceof ApiError) {
      if (needed) throw result;
      return;
    }
    request.principal = result;
  });
}

/** The caller of an authenticated route. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new ApiError('UNAUTHENTICATED', 'missing Authorization: Bearer <token>');
  return request.principal;
}
