/**
 * Sign-up confirmed by an e-mailed link, login → session token, password reset, and `GET /me`.
 *
 * Answers do not tell whether an e-mail is registered where that matters (login failures, reset and resend requests);
 * sign-up does (409 EMAIL_TAKEN), as every cabinet's does. Login spends the same argon2 time for an unknown e-mail.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  confirmUserEmail,
  consumeUserToken,
  createUser,
  createUserToken,
  findUserByEmail,
  findUserById,
  setUserPassword,
} from '../../db/api-access.repository.js';
import { upsertUserProfile } from '../../db/cabinet-sessions.repository.js';
import { membershipRoles, type User } from '../../db/tables/api-access.js';
import { principalOf, type SessionClaims } from '../auth/authenticate.js';
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from '../auth/login-guard.js';
import { confirmFirstMessage, deliverMail, inBackground, type MailOutcome } from '../auth/mail-delivery.js';
import { hashPassword, newPasswordSchema, verifyPassword } from '../auth/passwords.js';
import { API_KEY_SCOPES } from '../auth/principal.js';
import { newToken, sha256Hex } from '../auth/secrets.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses } from '../errors.js';

export const CONFIRM_TOKEN_TTL_MS = 48 * 3600_000;
export const RESET_TOKEN_TTL_MS = 3600_000;

const emailSchema = z
  .email({ message: 'expected an e-mail address' })
  .max(254)
  .transform((s) => s.toLowerCase());

/** A hash to verify against when the e-mail is unknown, so the answer takes as long as for a known one. */
let dummyHash: Promise<string> | undefined;

/** Links in e-mails come from the configured origin only (OFD_PUBLIC_URL), never from a request's Host header. */
function baseUrl(ctx: ApiContext): string {
  return ctx.publicUrl;
}

async function sendConfirmation(ctx: ApiContext, log: FastifyBaseLogger, user: User): Promise<MailOutcome> {
  const token = newToken();
  await createUserToken(ctx.db, user.id, 'confirm_email', sha256Hex(token), CONFIRM_TOKEN_TTL_MS);
  // The cabinet's landing page (src/cabinet features/auth) confirms the token through POST /auth/confirm.
  const link = `${baseUrl(ctx)}/confirm-email?token=${token}`;
  return deliverMail(
    ctx,
    log,
    {
      to: user.email,
      subject: 'Подтвердите адрес электронной почты',
      text: `Чтобы завершить регистрацию в личном кабинете ОФД, перейдите по ссылке (действует 48 часов):\n\n${link}\n\nЕсли вы не регистрировались, ничего не делайте.\n`,
      html: `<p>Чтобы завершить регистрацию в личном кабинете ОФД, перейдите по ссылке (действует 48 часов):</p><p><a href="${link}">${link}</a></p><p>Если вы не регистрировались, ничего не делайте.</p>`,
    },
    link,
  );
}

async function sendReset(ctx: ApiContext, log: FastifyBaseLogger, user: User): Promise<MailOutcome> {
  const token = newToken();
  await createUserToken(ctx.db, user.id, 'reset_password', sha256Hex(token), RESET_TOKEN_TTL_MS);
  // The cabinet's set-new-password page, which sends the token with the new password to POST /auth/password-reset/confirm.
  const link = `${baseUrl(ctx)}/reset-password?token=${token}`;
  return deliverMail(
    ctx,
    log,
    {
      to: user.email,
      subject: 'Восстановление пароля',
      text: `Чтобы задать новый пароль, перейдите по ссылке (действует 1 час):\n\n${link}\n\nЕсли вы не запрашивали смену пароля, ничего не делайте.\n`,
      html: `<p>Чтобы задать новый пароль, перейдите по ссылке (действует 1 час):</p><p><a href="${link}">${link}</a></p><p>Если вы не запрашивали смену пароля, ничего не делайте.</p>`,
    },
    link,
  );
}

export async function sendLockoutNotice(ctx: ApiContext, log: FastifyBaseLogger, user: User, lockedMs: number): Promise<void> {
  await deliverMail(ctx, log, {
    to: user.email,
    subject: 'Вход в личный кабинет временно заблокирован',
    text:
      `Было ${ctx.loginLockout.maxFailures} неудачных попыток входа в личный кабинет ОФД с вашим адресом. ` +
      `Вход заблокирован на ${Math.ceil(lockedMs / 60_000)} мин.\n\nЕсли это были не вы, смените пароль: ${baseUrl(ctx)}/forgot-password\n`,
  });
}

const SIGNUP_MESSAGES: Record<MailOutcome | 'logged', string> = {
  sent: 'Мы отправили письмо со ссылкой для подтверждения адреса.',
  failed: 'Письмо со ссылкой для подтверждения отправить не удалось; запросите его ещё раз позже.',
  not_configured: 'Письмо не отправлено: на сервере не настроена почта (SMTP_URL). Обратитесь к оператору.',
  logged: 'Письмо не отправлено: на сервере не настроена почта (SMTP_URL); в режиме разработки ссылка записана в журнал сервера.',
};

const userOut = z.object({ id: z.number().int(), email: z.string(), status: z.enum(['pending', 'active', 'disabled']) });
const signupOut = userOut.extend({
  confirmation: z.enum(['sent', 'failed', 'not_configured']).meta({ description: 'Whether the confirmation e-mail went out' }),
  message: z.string().meta({ description: 'What happened, for the user (Russian)' }),
});
const tokenBody = z.object({ token: z.string().min(1).max(200) });

function authLocals(ctx: ApiContext) {
  const limited = {
    public: true,
    rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `auth:${r.ip}` },
  };
  const confirm = async (token: string) => {
    const userId = await consumeUserToken(ctx.db, 'confirm_email', sha256Hex(token));
    if (userId === undefined) throw new ApiError('TOKEN_INVALID', 'the confirmation link is unknown, used or expired');
    await confirmUserEmail(ctx.db, userId);
    const user = await findUserById(ctx.db, userId);
    return { id: userId, email: user?.email ?? '', status: user?.status ?? 'active' };
  };
  return { limited, confirm };
}
type AuthLocals = ReturnType<typeof authLocals>;

const postAuthSignupSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Create a user; a confirmation link is e-mailed',
  body: z.object({
    email: emailSchema,
    password: newPasswordSchema,
    fullName: z.string().trim().min(1).max(200).optional(),
    phone: z.string().regex(/^\+?\d{10,15}$/, 'expected a phone number: 10–15 digits, optionally with a leading +').optional(),
    acceptOffer: z.literal(true).optional().meta({ description: 'The user accepts the offer; the cabinet always sends true' }),
  }),
  response: { 201: signupOut, ...errorResponses(400, 409, 429) },
};

function postAuthSignupRoute(app: ApiApp, ctx: ApiContext, { limited }: AuthLocals): void {
  app.post(
    '/auth/signup',
    {
      config: limited,
      schema: postAuthSignupSchema,
    },
    async (request, reply) => {
      const { email, password, fullName, phone, acceptOffer } = request.body;
      const passwordHash = await hashPassword(password);
      // One transaction: a user is never left without the profile and consent it signed up with.
      const user = await ctx.db.transaction().execute(async (trx) => {
        const created = await createUser(trx, email, passwordHash);
        if (created && (fullName !== undefined || phone !== undefined || acceptOffer)) {
          await upsertUserProfile(trx, created.id, { fullName: fullName ?? null, phone: phone ?? null, offerAcceptedAt: acceptOffer ? new Date() : null });
        }
        return created;
      });
      if (!user) throw new ApiError('EMAIL_TAKEN', 'a user with this e-mail already exists');
      const confirmation = await sendConfirmation(ctx, request.log, user);
      const message = SIGNUP_MESSAGES[confirmation === 'not_configured' && ctx.mode === 'development' ? 'logged' : confirmation];
      return reply.code(201).send({ id: user.id, email: user.email, status: user.status, confirmation, message });
    },
  );
}

const postAuthConfirmResendSchema = {
  tags: ['auth'],
  security: [],
  summary: 'E-mail the confirmation link again (answers 202 whether or not the e-mail is registered)',
  body: z.object({ email: emailSchema }),
  response: { 202: z.object({ status: z.literal('accepted') }), ...errorResponses(400, 429) },
};

function postAuthConfirmResendRoute(app: ApiApp, ctx: ApiContext, { limited }: AuthLocals): void {
  app.post(
    '/auth/confirm/resend',
    {
      config: limited,
      schema: postAuthConfirmResendSchema,
    },
    async (request, reply) => {
      const email = request.body.email;
      // After the answer, so a registered e-mail is answered exactly like an unknown one, and as fast.
      inBackground(request.log, 'confirmation resend', async () => {
        const user = await findUserByEmail(ctx.db, email);
        if (user?.status === 'pending') await sendConfirmation(ctx, request.log, user);
      });
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );
}

const getAuthConfirmSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Confirm the e-mail (the link in the confirmation e-mail)',
  querystring: tokenBody,
  response: { 200: userOut, ...errorResponses(400, 429) },
};

function getAuthConfirmRoute(app: ApiApp, { limited, confirm }: AuthLocals): void {
  app.get(
    '/auth/confirm',
    {
      config: limited,
      schema: getAuthConfirmSchema,
    },
    async (request) => confirm(request.query.token),
  );
}

const postAuthConfirmSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Confirm the e-mail with the token from the link',
  body: tokenBody,
  response: { 200: userOut, ...errorResponses(400, 429) },
};

function postAuthConfirmRoute(app: ApiApp, { limited, confirm }: AuthLocals): void {
  app.post(
    '/auth/confirm',
    {
      config: limited,
      schema: postAuthConfirmSchema,
    },
    async (request) => confirm(request.body.token),
  );
}

const postAuthLoginSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Exchange e-mail and password for a session token',
  body: z.object({ email: emailSchema, password: z.string().max(200) }),
  response: {
    200: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int().meta({ description: 'seconds' }) }),
    ...errorResponses(400, 401, 403, 429),
  },
};

function postAuthLoginRoute(app: ApiApp, ctx: ApiContext, { limited }: AuthLocals): void {
  app.post(
    '/auth/login',
    {
      config: limited,
      schema: postAuthLoginSchema,
    },
    async (request) => {
      const { email, password } = request.body;
      await assertLoginAllowed(ctx, email);
      const user = await findUserByEmail(ctx.db, email);
      // An unknown e-mail spends the same argon2 time on a dummy hash.
      const ok = await verifyPassword(user ? user.password_hash : await (dummyHash ??= hashPassword('Dummy-password-1')), password);
      if (!ok || !user) {
        // Counted for unknown e-mails too, so a lockout does not tell which ones are registered.
        const failure = await recordLoginFailure(ctx, email);
        if (failure.startedLockout && user) inBackground(request.log, 'lockout notice', () => sendLockoutNotice(ctx, request.log, user, failure.lockedMs));
        throw new ApiError('INVALID_CREDENTIALS', 'wrong e-mail or password');
      }
      await clearLoginFailures(ctx, email);
      if (user.status === 'pending') throw new ApiError('EMAIL_NOT_CONFIRMED', confirmFirstMessage(ctx));
      if (user.status === 'disabled') throw new ApiError('USER_DISABLED', 'the user is disabled');
      const claims: SessionClaims = { sub: String(user.id), tv: user.token_version };
      const token = app.jwt.sign(claims, { expiresIn: ctx.sessionTtlSeconds });
      return { token, tokenType: 'Bearer' as const, expiresIn: ctx.sessionTtlSeconds };
    },
  );
}

const postAuthPasswordResetSchema = {
  tags: ['auth'],
  security: [],
  summary: 'E-mail a password-reset link (answers 202 whether or not the e-mail is registered)',
  body: z.object({ email: emailSchema }),
  response: { 202: z.object({ status: z.literal('accepted') }), ...errorResponses(400, 429) },
};

function postAuthPasswordResetRoute(app: ApiApp, ctx: ApiContext, { limited }: AuthLocals): void {
  app.post(
    '/auth/password-reset',
    {
      config: limited,
      schema: postAuthPasswordResetSchema,
    },
    async (request, reply) => {
      const email = request.body.email;
      // After the answer, so a registered e-mail is answered exactly like an unknown one, and as fast.
      inBackground(request.log, 'password reset', async () => {
        const user = await findUserByEmail(ctx.db, email);
        if (user && user.status !== 'disabled') await sendReset(ctx, request.log, user);
      });
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );
}

const postAuthPasswordResetConfirmSchema = {
  tags: ['auth'],
  security: [],
  summary: 'Set a new password with the e-mailed code; every existing session ends',
  body: z.object({ token: z.string().min(1).max(200), password: newPasswordSchema }),
  response: { 200: z.object({ status: z.literal('changed') }), ...errorResponses(400, 429) },
};

function postAuthPasswordResetConfirmRoute(app: ApiApp, ctx: ApiContext, { limited }: AuthLocals): void {
  app.post(
    '/auth/password-reset/confirm',
    {
      config: limited,
      schema: postAuthPasswordResetConfirmSchema,
    },
    async (request) => {
      const userId = await consumeUserToken(ctx.db, 'reset_password', sha256Hex(request.body.token));
      if (userId === undefined) throw new ApiError('TOKEN_INVALID', 'the reset code is unknown, used or expired');
      await setUserPassword(ctx.db, userId, await hashPassword(request.body.password));
      // Following a reset link proves the address as well as a confirmation link does.
      await confirmUserEmail(ctx.db, userId);
      const user = await findUserById(ctx.db, userId);
      if (user) await clearLoginFailures(ctx, user.email);
      return { status: 'changed' as const };
    },
  );
}

const getMeSchema = {
  tags: ['auth'],
  summary: 'Who the credentials belong to, and which organizations they reach',
  response: {
    200: z.object({
      kind: z.enum(['operator', 'user', 'apiKey']),
      user: z.object({ id: z.number().int(), email: z.string() }).optional(),
      apiKey: z.object({ id: z.number().int(), organizationId: z.number().int(), scopes: z.array(z.enum(API_KEY_SCOPES)) }).optional(),
      memberships: z.array(z.object({ organizationId: z.number().int(), role: z.enum(membershipRoles) })),
    }),
    ...errorResponses(401),
  },
};

function getMeRoute(app: ApiApp): void {
  app.get(
    '/me',
    { schema: getMeSchema },
    async (request) => {
      const p = principalOf(request);
      if (p.kind === 'operator') return { kind: p.kind, memberships: [] };
      if (p.kind === 'apiKey') {
        const scopes = API_KEY_SCOPES.filter((s) => p.scopes.has(s));
        return { kind: p.kind, apiKey: { id: p.keyId, organizationId: p.organizationId, scopes }, memberships: [] };
      }
      return {
        kind: p.kind,
        user: { id: p.userId, email: p.email },
        memberships: [...p.memberships].map(([organizationId, role]) => ({ organizationId, role })),
      };
    },
  );
}

export function authRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = authLocals(ctx);
    postAuthSignupRoute(app, ctx, locals);
    postAuthConfirmResendRoute(app, ctx, locals);
    getAuthConfirmRoute(app, locals);
    postAuthConfirmRoute(app, locals);
    postAuthLoginRoute(app, ctx, locals);
    postAuthPasswordResetRoute(app, ctx, locals);
    postAuthPasswordResetConfirmRoute(app, ctx, locals);
    getMeRoute(app);
  };
}
