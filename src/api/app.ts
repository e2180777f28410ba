/**
 * The HTTP app factory: `buildApp(deps)` returns a fastify instance without listening (tests use `app.inject()`).
 *
 * - Ops endpoints of the contract (§4): `/metrics`, `/health/live`, `/health/ready` — no credentials, no rate limit
 *   (ops.routes.ts).
 * - OpenAPI: the document at `/docs/json` (and `/docs/yaml`), the UI at `/docs`, served from the package (offline),
 *   generated from the routes' zod schemas (openapi.ts).
 * - The cabinet API under `/api/v1` (routes/), mounted when a database is given.
 * - The web cabinet (dist/cabinet) at `/`, with its SPA fallback (cabinet-static.ts).
 * - Cross-cutting: helmet, CORS (off unless origins are configured), rate limits per caller (API key, user, operator,
 *   else client address), one error body with codes from errors.ts.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { RedisClient } from '../queue/redis-connection.js';
import type { Kysely } from 'kysely';
import type { EmailSender } from '../adapters/email/email-sender.js';
import type { PaymentProvider } from '../adapters/payments/payment-provider.js';
import { DEFAULT_PDF_FONT, DEFAULT_REQUISITES, type OperatorRequisites } from '../config.js';
import type { UnpaidPolicy } from '../billing/unpaid-policy.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { API_PREFIX, installAuthentication } from './auth/authenticate.js';
import { defaultCabinetDir, installCabinet } from './cabinet-static.js';
import { ApiError, errorBody, installErrorHandling } from './errors.js';
import { installOpenApi } from './openapi.js';
import { opsRoutes } from './ops.routes.js';
import type { ApiContext, KktRegistrationContext, OnboardingSettings } from './context.js';
import { memoryCounterStore, redisCounterStore } from './counters.js';
import { apiRoutes } from './routes/index.js';
import { receiptPageRoutes } from './routes/receipt-page.routes.js';
import { shortLinkPublicRoutes } from './routes/short-links.routes.js';

import type { ReadinessCheck } from './ops.routes.js';

export type { ReadinessCheck };

export interface RateLimitSettings {
  /** Requests per caller per window. */
  readonly max: number;
  readonly timeWindowMs: number;
}

export interface AppDeps {
  metrics: Metrics;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Per-check budget, so a hung dependency makes /health/ready answer 503 rather than hang. */
  readinessTimeoutMs?: number;
  /** PostgreSQL. The cabinet API (`/api/v1`) is mounted only when given; ops endpoints and /docs always are. */
  db?: Kysely<Database>;
  /** OFD_ADMIN_TOKEN: operator-wide rights. Unset: no operator access through the API. */
  adminToken?: string;
  /** OFD_OPERATOR_EMAILS: users (lower-case e-mails) who are the operator's staff in the cabinet (auth/staff.ts). */
  operatorEmails?: ReadonlySet<string>;
  /**
   * Signs session tokens (login). Default: random per process — sessions end at restart and are not valid on another
   * instance; set it when running more than one API process.
   */
  jwtSecret?: string;
  /** Session token lifetime. Default 12 h. */
  sessionTtlSeconds?: number;
  /** Sends confirmation and password-reset e-mails. Default: none configured (see `mode` for what happens instead). */
  email?: EmailSender;
  /**
   * development (default): without `email`, links meant for an e-mail are logged at info so a local user can follow
   * them. production: they never are (buildApp's caller refuses to start without OFD_PUBLIC_URL).
   */
  mode?: 'production' | 'development';
  /** Base URL of the API as customers reach it, for links in e-mails; never the request's Host. Default http://localhost:8080. */
  publicUrl?: string;
  /**
   * Redis for the limits shared by every API process (per-caller and per-address rate limits, failed logins per
   * account, e-receipt sends per organization), keys under `redisPrefix`. Default: per-process memory.
   */
  redis?: RedisClient;
  /** Default `ofd:api` (main passes `<OFD_QUEUE_PREFIX>:api`). */
  redisPrefix?: string;
  /** Webhook targets allowed although internal: host names, addresses, CIDRs (OFD_WEBHOOK_ALLOW_HOSTS). */
  webhookAllowHosts?: readonly string[];
  /** E-receipts an organization may send through the API per hour. Default 100. */
  receiptSendsPerHour?: number;
  /** Days a finished export's file is kept (OFD_EXPORT_RETENTION_DAYS, default 7): shown as each export's expiresAt. */
  exportRetentionDays?: number;
  /** Failed logins per account before it is locked, and the window they are counted in. Default 5 per 15 min. */
  loginLockout?: { readonly maxFailures: number; readonly windowMs: number; readonly baseLockMs: number };
  /** Browser origins allowed by CORS (`*` for any). Default: none (no CORS headers). */
  corsOrigins?: readonly string[];
  /** Per-caller limit for every route but ops and /docs. Default 1 000 per minute; `false` turns it off. */
  rateLimit?: RateLimitSettings | false;
  /** Sign-up, login and password reset, per client address. Default 20 per minute. */
  authRateLimit?: RateLimitSettings;
  /** A register is "silent" when nothing arrived from it for this long. Default 24 h. */
  registerSilentAfterMs?: number;
  /** KKT registration applications and sign-in with a signature. Default: no trusted CAs (every signature refused). */
  kktRegistration?: Partial<KktRegistrationContext>;
  /** The built web cabinet served at `/`. Default: dist/cabinet when built; `false`: none. */
  cabinetDir?: string | false;
  /** Onboarding (issue 16): the gateway address shown to customers, the operator's INN, invitation limits. */
  onboarding?: Partial<OnboardingSettings>;
  /** OFD_UNPAID_POLICY. Default flag. */
  unpaidPolicy?: UnpaidPolicy;
  /** Card payment provider (OFD_PAY_URL) and its callbacks' HMAC secret (OFD_PAY_SECRET). Unset: no card top-ups. */
  payments?: PaymentProvider;
  paymentWebhookSecret?: string;
  /** The operator's requisites on invoices and acts (OFD_REQUISITES) and their font (OFD_PDF_FONT). */
  requisites?: OperatorRequisites;
  pdfFont?: string;
}

const UNLIMITED_PREFIXES = ['/metrics', '/health', '/docs'];

function rateLimitKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind === 'operator') return 'operator';
  if (p?.kind === 'user') return `user:${p.userId}`;
  if (p?.kind === 'apiKey') return `key:${p.keyId}`;
  return `ip:${request.ip}`;
}

/** The path (`body.items.0.name`) of the first string holding U+0000 in a parsed request part, if any. */
function nulPath(path: string, value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k.split('\u0000').join('\\0')}`;
    const found = nulPath(`${path}.${k}`, v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Helmet, CORS, cookies and session tokens. */
function installSecurity(app: FastifyInstance, deps: AppDeps): void {
  void app.register(fastifyHelmet, {
    // Swagger UI's static files set their own CSP (staticCSP below).
    contentSecurityPolicy: false,
  });
  void app.register(fastifyCors, {
    origin: deps.corsOrigins === undefined || deps.corsOrigins.length === 0 ? false : deps.corsOrigins.includes('*') ? true : [...deps.corsOrigins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-csrf-token'],
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  // Reads the cabinet's session cookie (auth/cookie-session.ts); unsigned: the value is a random token checked by digest.
  void app.register(fastifyCookie);
  void app.register(fastifyJwt, {
    secret: deps.jwtSecret ?? randomBytes(32).toString('hex'),
    // Pinned: a token is HS256 with an expiry or it is refused (no alg confusion, no everlasting token).
    sign: { algorithm: 'HS256' },
    verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] },
  });
}

/** Refuses NUL in any request part, and keeps answers to callers with credentials out of every cache. */
function installRequestGuards(app: FastifyInstance): void {
  // NUL cannot be stored in PostgreSQL text (the query would fail with a 500): refused up front, naming the field.
  app.addHook('preValidation', async (request) => {
    const at = nulPath('query', request.query) ?? nulPath('body', request.body) ?? nulPath('params', request.params);
    if (at !== undefined) throw new ApiError('VALIDATION_FAILED', `${at}: NUL characters are not allowed`, [{ path: at, message: 'NUL characters are not allowed', issue: 'invalid_string' }]);
  });
  // Answers to a caller with credentials are theirs alone: no browser or proxy may keep them.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.principal !== null || request.headers.authorization !== undefined) void reply.header('cache-control', 'no-store');
    return payload;
  });
}

function installRateLimit(app: FastifyInstance, deps: AppDeps): void {
  const limit = deps.rateLimit ?? { max: 1000, timeWindowMs: 60_000 };
  void app.register(fastifyRateLimit, {
    global: limit !== false,
    max: limit === false ? 1_000_000 : limit.max,
    timeWindow: limit === false ? 60_000 : limit.timeWindowMs,
    // After authentication (onRequest), so the key is the caller rather than an address shared by many.
    hook: 'preParsing',
    keyGenerator: rateLimitKey,
    // Shared by every API process when Redis is given (else each process counts alone).
    ...(deps.redis ? { redis: deps.redis, nameSpace: `${deps.redisPrefix ?? 'ofd:api'}:rl:`, skipOnError: true } : {}),
    allowList: (request) => {
      const url = request.routeOptions.url ?? request.url;
      return UNLIMITED_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`));
    },
    errorResponseBuilder: (_request, context) => {
      const e = new ApiError('RATE_LIMITED', `rate limit exceeded: ${context.max} requests per ${context.after}`);
      return Object.assign(errorBody(e), { headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) } });
    },
  });
}

/** What the /api/v1 routes share, with the defaults of every optional dependency. */
function apiContextOf(deps: AppDeps, db: Kysely<Database>): ApiContext {
  return {
    db,
    email: deps.email,
    mode: deps.mode ?? 'development',
    publicUrl: (deps.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
    operatorEmails: deps.operatorEmails ?? new Set(),
    counters: deps.redis ? redisCounterStore(deps.redis, deps.redisPrefix ?? 'ofd:api') : memoryCounterStore(),
    webhookAllowHosts: deps.webhookAllowHosts ?? [],
    receiptSendsPerHour: deps.receiptSendsPerHour ?? 100,
    exportRetentionDays: deps.exportRetentionDays ?? 7,
    loginLockout: deps.loginLockout ?? { maxFailures: 5, windowMs: 15 * 60_000, baseLockMs: 30_000 },
    sessionTtlSeconds: deps.sessionTtlSeconds ?? 12 * 3600,
    authRateLimit: deps.authRateLimit ?? { max: 20, timeWindowMs: 60_000 },
    registerSilentAfterMs: deps.registerSilentAfterMs ?? 24 * 3600_000,
    kktRegistration: {
      trust: () => ({ anchors: [], crls: [] }),
      verifyOptions: {},
      enqueue: undefined,
      operatorInn: '7704211201',
      operatorKpp: '770401001',
      operatorName: 'ОФД',
      challengeTtlSeconds: 300,
      ...deps.kktRegistration,
    },
    onboarding: {
      gatewayPublicAddress: deps.onboarding?.gatewayPublicAddress,
      gatewayPort: deps.onboarding?.gatewayPort ?? 4000,
      operatorInn: deps.onboarding?.operatorInn ?? '7704211201',
      invitationRateLimit: deps.onboarding?.invitationRateLimit ?? { max: 30, timeWindowMs: 3600_000 },
      invitationTtlMs: deps.onboarding?.invitationTtlMs ?? 7 * 24 * 3600_000,
    },
    unpaidPolicy: deps.unpaidPolicy ?? 'flag',
    payments: deps.payments,
    paymentWebhookSecret: deps.paymentWebhookSecret,
    requisites: deps.requisites ?? DEFAULT_REQUISITES,
    pdfFont: deps.pdfFont ?? DEFAULT_PDF_FONT,
  };
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The web cabinet at `/` (cabinet-static.ts); its SPA fallback answers paths no route matched.
  const cabinetDir = deps.cabinetDir === false ? undefined : (deps.cabinetDir ?? defaultCabinetDir());
  installErrorHandling(app, cabinetDir === undefined ? undefined : installCabinet(app, cabinetDir));

  installSecurity(app, deps);
  if (deps.db) installAuthentication(app, { db: deps.db, adminToken: deps.adminToken, operatorEmails: deps.operatorEmails });
  else app.decorateRequest('principal', null);
  installRequestGuards(app);
  installRateLimit(app, deps);
  installOpenApi(app);
  void app.register(opsRoutes(deps.metrics, deps.readiness, deps.readinessTimeoutMs ?? 1500));

  if (deps.db) {
    const ctx = apiContextOf(deps, deps.db);
    void app.register(apiRoutes(ctx), { prefix: API_PREFIX });
    void app.register(receiptPageRoutes(ctx));
    void app.register(shortLinkPublicRoutes(ctx));
  }

  return app;
}
