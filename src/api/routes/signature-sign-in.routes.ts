/**
 * Sign-in with an electronic signature (issue 18), challenge–response: the server hands out a random nonce (stored as
 * its hash, with an expiry, single use); the browser's signing plug-in signs it as a detached CMS; the server verifies
 * the signature and its chain to the trusted CAs (OFD_SIGNATURE_CA_FILE, CRLs), maps the certificate to a user by the
 * СНИЛС or the personal ИНН they bound to their account, and starts the same cookie session as a password sign-in.
 * Binding: a signed-in user signs a challenge once (`POST /me/signature-identities`) to say «this certificate is me».
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SignatureError } from '../../adapters/signature/errors.js';
import { verifySignedContent, type VerifiedSignature } from '../../adapters/signature/verify-signed.js';
import { findUserById } from '../../db/api-access.repository.js';
import { bindIdentities, consumeChallenge, createChallenge, identitiesOf, userByIdentity, type CertificateIdentity } from '../../db/signature-sign-in.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { cookieSecure, startCookieSession } from '../auth/cookie-session.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses } from '../errors.js';
import { dateOut, iso } from '../schemas.js';
import { sessionJson, sessionOut } from './session.routes.js';

const signedChallengeBody = z.object({
  challenge: z.base64().length(44).meta({ description: 'The challenge as issued (32 bytes, base64)' }),
  signature: z.base64().min(1).max(200_000).meta({ description: 'Detached CMS of the challenge bytes, DER, base64' }),
});

function rejected(code: SignatureError['code'], message: string): ApiError {
  return new ApiError('SIGNATURE_REJECTED', message, [{ path: 'body.signature', message, issue: code }]);
}

/** СНИЛС and the person's ИНН from the certificate (what a user can be found by). */
function identitiesOfCertificate(v: VerifiedSignature): CertificateIdentity[] {
  const out: CertificateIdentity[] = [];
  if (v.owner.snils) out.push({ kind: 'snils', value: v.owner.snils });
  if (v.owner.personInn) out.push({ kind: 'inn', value: v.owner.personInn });
  return out;
}

function signatureSignInLocals(ctx: ApiContext) {
  const k = ctx.kktRegistration;
  const limited = {
    public: true,
    rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `auth:${r.ip}` },
  };
  async function verifyChallenge(body: z.infer<typeof signedChallengeBody>): Promise<VerifiedSignature> {
    const nonce = Buffer.from(body.challenge, 'base64');
    if (!(await consumeChallenge(ctx.db, nonce))) {
      throw new ApiError('TOKEN_INVALID', 'the challenge is unknown, used or expired: ask for a new one');
    }
    try {
      return verifySignedContent(Buffer.from(body.signature, 'base64'), nonce, k.trust(), { ...k.verifyOptions, maxSigningAgeMs: k.challengeTtlSeconds * 1000 });
    } catch (e) {
      if (e instanceof SignatureError) throw rejected(e.code, e.message);
      throw e;
    }
  }
  const identitiesOut = z.object({ items: z.array(z.object({ kind: z.enum(['snils', 'inn']), value: z.string(), createdAt: dateOut })) });
  return { k, limited, verifyChallenge, identitiesOut };
}
type SignatureSignInLocals = ReturnType<typeof signatureSignInLocals>;

const postAuthSignatureChallengeSchema = {
  tags: ['auth'],
  security: [],
  summary: 'A single-use challenge to sign with the electronic signature (sign-in or binding a certificate)',
  response: { 200: z.object({ challenge: z.string(), expiresAt: dateOut }), ...errorResponses(429) },
};

function postAuthSignatureChallengeRoute(app: ApiApp, ctx: ApiContext, { limited, k }: SignatureSignInLocals): void {
  app.post(
    '/auth/signature/challenge',
    {
      config: limited,
      schema: postAuthSignatureChallengeSchema,
    },
    async () => {
      const nonce = randomBytes(32);
      const expiresAt = await createChallenge(ctx.db, nonce, k.challengeTtlSeconds);
      return { challenge: nonce.toString('base64'), expiresAt: iso(expiresAt) };
    },
  );
}

const postAuthSignatureSessionSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Sign in with an electronic signature of a challenge: sets the session cookie like a password sign-in',
  body: signedChallengeBody,
  response: { 200: sessionOut, ...errorResponses(400, 403, 422, 429) },
};

function postAuthSignatureSessionRoute(app: ApiApp, ctx: ApiContext, { limited, verifyChallenge }: SignatureSignInLocals): void {
  app.post(
    '/auth/signature/session',
    {
      config: limited,
      schema: postAuthSignatureSessionSchema,
    },
    async (request, reply) => {
      const verified = await verifyChallenge(request.body);
      const userId = await userByIdentity(ctx.db, identitiesOfCertificate(verified));
      const user = userId === undefined ? undefined : await findUserById(ctx.db, userId);
      if (!user) throw rejected('USER_NOT_FOUND', new SignatureError('USER_NOT_FOUND').message);
      if (user.status === 'disabled') throw new ApiError('USER_DISABLED', 'the user is disabled');
      if (user.status !== 'active') throw new ApiError('EMAIL_NOT_CONFIRMED', 'confirm the e-mail first: follow the link we sent');
      const started = await startCookieSession(ctx.db, request, reply, user, { ttlSeconds: ctx.sessionTtlSeconds, secure: cookieSecure(request, ctx.publicUrl) });
      return sessionJson(ctx, user.id, user.email, started.csrfToken, started.expiresIn);
    },
  );
}

function getMeSignatureIdentitiesRoute(app: ApiApp, ctx: ApiContext, { identitiesOut }: SignatureSignInLocals): void {
  app.get(
    '/me/signature-identities',
    {
      schema: { tags: ['auth'], summary: 'The certificate identities (СНИЛС, ИНН) that sign the user in', response: { 200: identitiesOut, ...errorResponses(401, 403) } },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user has identities');
      return { items: (await identitiesOf(ctx.db, p.userId)).map((r) => ({ kind: r.kind, value: r.value, createdAt: iso(r.created_at) })) };
    },
  );
}

function postMeSignatureIdentitiesRoute(app: ApiApp, ctx: ApiContext, { identitiesOut, verifyChallenge }: SignatureSignInLocals): void {
  app.post(
    '/me/signature-identities',
    {
      schema: {
        tags: ['auth'],
        summary: 'Bind the certificate that signed this challenge (its СНИЛС and personal ИНН) to the signed-in user',
        body: signedChallengeBody,
        response: { 200: identitiesOut, ...errorResponses(400, 401, 403, 409, 422, 429) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user binds a certificate');
      const ids = identitiesOfCertificate(await verifyChallenge(request.body));
      if (ids.length === 0) throw rejected('USER_NOT_FOUND', 'в сертификате нет ни СНИЛС, ни ИНН физического лица');
      if (!(await bindIdentities(ctx.db, p.userId, ids))) throw new ApiError('CERTIFICATE_TAKEN', 'this certificate is bound to another user');
      return { items: (await identitiesOf(ctx.db, p.userId)).map((r) => ({ kind: r.kind, value: r.value, createdAt: iso(r.created_at) })) };
    },
  );
}

export function signatureSignInRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = signatureSignInLocals(ctx);
    postAuthSignatureChallengeRoute(app, ctx, locals);
    postAuthSignatureSessionRoute(app, ctx, locals);
    getMeSignatureIdentitiesRoute(app, ctx, locals);
    postMeSignatureIdentitiesRoute(app, ctx, locals);
  };
}
