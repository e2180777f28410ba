/**
 * The web cabinet's browser session (cookie-session.ts): sign in (`POST /auth/session`), what the session is
 * (`GET /auth/session`, also hands the cabinet its CSRF token after a reload), sign out (`DELETE /auth/session`,
 * revoked server-side), and change password (`POST /me/password`, which ends every session and bearer token of the
 * user and starts a fresh session for the browser that asked).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findUserById, membershipsOf, setUserPassword } from '../../db/api-access.repository.js';
import { findUserProfile, revokeSession, sessionCsrfToken } from '../../db/cabinet-sessions.repository.js';
import { membershipRoles } from '../../db/tables/api-access.js';
import { principalOf } from '../auth/authenticate.js';
import { clearSessionCookie, cookieSecure, startCookieSession } from '../auth/cookie-session.js';
import { checkCredentials } from '../auth/credentials.js';
import { staffFlag } from '../auth/staff.js';
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from '../auth/login-guard.js';
import { inBackground } from '../auth/mail-delivery.js';
import { findUserByEmail } from '../../db/api-access.repository.js';
import { sendLockoutNotice } from './auth.routes.js';
import { hashPassword, newPasswordSchema, verifyPassword } from '../auth/passwords.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses } from '../errors.js';

const emailSchema = z
  .email({ message: 'expected an e-mail address' })
  .max(254)
  .transform((s) => s.toLowerCase());

const sessionUserOut = z.object({
  id: z.number().int(),
  email: z.string(),
  fullName: z.string().nullable(),
  phone: z.string().nullable(),
});
export const sessionOut = z.object({
  csrfToken: z.string().nullable().meta({ description: 'Send it in `x-csrf-token` on state-changing requests; null for bearer callers' }),
  expiresIn: z.number().int().nullable().meta({ description: 'seconds, at sign-in' }),
  user: sessionUserOut,
  memberships: z.array(z.object({ organizationId: z.number().int(), role: z.enum(membershipRoles) })),
  operator: z.boolean().meta({ description: "The operator's staff (OFD_OPERATOR_EMAILS): the cabinet shows its «Оператор» area" }),
});

export async function sessionJson(ctx: ApiContext, userId: number, email: string, csrfToken: string | null, expiresIn: number | null) {
  const [profile, memberships] = await Promise.all([findUserProfile(ctx.db, userId), membershipsOf(ctx.db, userId)]);
  return {
    csrfToken,
    expiresIn,
    user: { id: userId, email, fullName: profile?.full_name ?? null, phone: profile?.phone ?? null },
    memberships: [...memberships].map(([organizationId, role]) => ({ organizationId, role })),
    operator: staffFlag(ctx.operatorEmails, email).operator === true,
  };
}

function sessionLocals(ctx: ApiContext) {
  const limited = {
    public: true,
    rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `auth:${r.ip}` },
  };
  const secure = (request: FastifyRequest) => cookieSecure(request, ctx.publicUrl);
  return { limited, secure };
}
type SessionLocals = ReturnType<typeof sessionLocals>;

const postAuthSessionSchema = {
  tags: ['auth'],
  security: [],
  summary: "Sign in to the web cabinet: sets the httpOnly session cookie and answers the session's CSRF token",
  body: z.object({ email: emailSchema, password: z.string().max(200) }),
  response: { 200: sessionOut, ...errorResponses(400, 401, 403, 429) },
};

function postAuthSessionRoute(app: ApiApp, ctx: ApiContext, { limited, secure }: SessionLocals): void {
  app.post(
    '/auth/session',
    {
      config: limited,
      schema: postAuthSessionSchema,
    },
    async (request, reply) => {
      // The same per-account lockout as POST /auth/login (issue 13, item 9): the cabinet's sign-in is no side door.
      const { email } = request.body;
      await assertLoginAllowed(ctx, email);
      let user;
      try {
        user = await checkCredentials(ctx.db, email, request.body.password);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'INVALID_CREDENTIALS') {
          const failure = await recordLoginFailure(ctx, email);
          const known = failure.startedLockout ? await findUserByEmail(ctx.db, email) : undefined;
          if (known) inBackground(request.log, 'lockout notice', () => sendLockoutNotice(ctx, request.log, known, failure.lockedMs));
        }
        throw e;
      }
      await clearLoginFailures(ctx, email);
      const started = await startCookieSession(ctx.db, request, reply, user, { ttlSeconds: ctx.sessionTtlSeconds, secure: secure(request) });
      return sessionJson(ctx, user.id, user.email, started.csrfToken, started.expiresIn);
    },
  );
}

const getAuthSessionSchema = {
  tags: ['auth'],
  summary: 'The signed-in user, its organizations and the CSRF token of its cookie session',
  response: { 200: sessionOut, ...errorResponses(401, 403) },
};

function getAuthSessionRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/auth/session',
    { schema: getAuthSessionSchema },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user has a cabinet session');
      const csrf = p.sessionId === undefined ? null : await sessionCsrfToken(ctx.db, p.sessionId);
      return sessionJson(ctx, p.userId, p.email, csrf, null);
    },
  );
}

const deleteAuthSessionSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Sign out: revokes the cookie session server-side and clears the cookie',
  response: { 204: z.null(), ...errorResponses(403) },
};

function deleteAuthSessionRoute(app: ApiApp, ctx: ApiContext, { secure }: SessionLocals): void {
  app.delete(
    '/auth/session',
    {
      config: { public: true },
      schema: deleteAuthSessionSchema,
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind === 'user' && p.sessionId !== undefined) await revokeSession(ctx.db, p.sessionId);
      clearSessionCookie(reply, secure(request));
      return reply.code(204).send(null);
    },
  );
}

const postMePasswordSchema = {
  tags: ['auth'],
  summary: "Change the signed-in user's password; every other session and token ends",
  body: z.object({ currentPassword: z.string().max(200), newPassword: newPasswordSchema }),
  response: { 200: z.object({ status: z.literal('changed'), csrfToken: z.string().nullable() }), ...errorResponses(400, 401, 403, 429) },
};

function postMePasswordRoute(app: ApiApp, ctx: ApiContext, { limited, secure }: SessionLocals): void {
  app.post(
    '/me/password',
    {
      config: { rateLimit: limited.rateLimit },
      schema: postMePasswordSchema,
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user has a password');
      const user = await findUserById(ctx.db, p.userId);
      if (!user || !(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        throw new ApiError('INVALID_CREDENTIALS', 'the current password is wrong');
      }
      await setUserPassword(ctx.db, user.id, await hashPassword(request.body.newPassword));
      if (p.sessionId === undefined) return { status: 'changed' as const, csrfToken: null };
      // The password change ended this session too (token version bumped): the browser that asked goes on in a new one.
      await revokeSession(ctx.db, p.sessionId);
      const fresh = await findUserById(ctx.db, user.id);
      const started = await startCookieSession(ctx.db, request, reply, fresh!, { ttlSeconds: ctx.sessionTtlSeconds, secure: secure(request) });
      return { status: 'changed' as const, csrfToken: started.csrfToken };
    },
  );
}

export function sessionRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = sessionLocals(ctx);
    postAuthSessionRoute(app, ctx, locals);
    getAuthSessionRoute(app, ctx);
    deleteAuthSessionRoute(app, ctx, locals);
    postMePasswordRoute(app, ctx, locals);
  };
}

