/**
 * Process configuration from the environment (architecture §4): parsed once at start by `main`, validated with zod, frozen.
 * Every variable is optional; a bad value fails fast with a ConfigError that names the variable.
 *
 * An empty value (`FNS_URL=` in a compose file or an `.env`) counts as unset, so it takes the default rather than failing.
 */
import { CodedError } from './domain/errors.js';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { hashTag, isRedisClusterUrl, parseRedisTarget } from './domain/redis-target.js';

export const ROLES = ['gateway', 'worker', 'api'] as const;
export type Role = (typeof ROLES)[number];

export const CRYPTO_MODES = ['devsign', 'none', 'pkz'] as const;
export type CryptoMode = (typeof CRYPTO_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The operator INN used in acks (tag 1017) when OFD_INN is unset: the one in the spec's real acks (spec §3.3). */
export const DEFAULT_OPERATOR_INN = '7704211201';
/** spec §7: the devsign master key when none is configured. Not a secret — devsign is not a legal signature. */
export const DEFAULT_DEVSIGN_KEY = 'ofd-dev-master-key';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** An admin token shorter than this is guessable; it carries operator-wide rights. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
/** Notification history and delivered/failed outbox rows are kept this long (they are not fiscal documents). */
export const DEFAULT_NOTIFICATION_RETENTION_DAYS = 180;
/** Finished export files (Выгрузки, background receipt exports) are kept this long; then the file goes, the row stays. */
export const DEFAULT_EXPORT_RETENTION_DAYS = 7;
/** 100 years: beyond that the cutoff date leaves PostgreSQL's and JavaScript's range, and nothing would ever be deleted anyway. */
export const MAX_NOTIFICATION_RETENTION_DAYS = 36_500;
/**
 * A persist batch commits in about 0.3 s and its locks are extended every half lock: a lock much shorter than a second
 * would expire under a healthy worker, and its jobs would run twice (stored once, but work wasted).
 */
export const MIN_PERSIST_LOCK_MS = 1000;

/** devsignKey is always present: in `none` mode documents are not verified, but the ack still has to be signed. */
export type CryptoConfig = { readonly devsignKey: string } & (
  | { readonly mode: 'devsign' | 'none' }
  | { readonly mode: 'pkz'; readonly pkzUrl: string }
);

export interface Config {
  /** Roles this process runs, deduplicated, in the order given. */
  readonly roles: readonly Role[];
  /**
   * Processes `npm start` runs, each with every role in `roles` (decision 9: every core). 1 = this process alone; more = a
   * supervisor forks that many children sharing the listening ports (node:cluster) and restarts any that dies.
   */
  readonly processes: number;
  /** Bind address of every listener (gateway, marking, HTTP). */
  readonly host: string;
  /** Port 0 asks the OS for a free port (tests). */
  readonly gatewayPort: number;
  readonly markingPort: number;
  readonly httpPort: number;
  /** Limits and load-balancer support of the gateway and marking listeners. */
  readonly gateway: {
    /** Upper bound of open connections, both ports together; lowered at start to fit the open-files limit. */
    readonly maxConnections: number;
    /** 0 = no per-address cap. */
    readonly maxConnectionsPerAddress: number;
    /** Every connection starts with a PROXY protocol header (v1 or v2) from the load balancer. */
    readonly proxyProtocol: boolean;
    /**
     * The micro-batching producer (src/queue/document-producer.ts): the longest a document waits for its batch job, and
     * the most documents in one. A BullMQ add costs a fixed ≈ 100–300 µs of gateway CPU whatever its size, so bigger
     * batches are what makes the CPU per document small.
     */
    readonly enqueueMaxDelayMs: number;
    readonly enqueueMaxBatch: number;
  };
  readonly databaseUrl: string;
  /** `redis://…` (one server) or `redis+cluster://host:port,host:port` (a Redis Cluster): domain/redis-target.ts. */
  readonly redisUrl: string;
  /** BullMQ key prefix; a hash-tagged one (`{ofd}`) keeps a queue's keys in one Redis Cluster slot. */
  readonly queuePrefix: string;
  /**
   * Replicas that must confirm a batch of documents (Redis WAIT) before the gateway acknowledges them, and how long to
   * wait: 0 for a single Redis (its AOF is the durability), 1 with a Redis Cluster or replicated Redis with failover.
   */
  readonly redisWait: { readonly replicas: number; readonly timeoutMs: number };
  readonly crypto: CryptoConfig;
  /** The operator's INN, 10 or 12 digits, check digits verified. */
  readonly operatorInn: string;
  readonly fnsUrl: string | undefined;
  readonly crptUrl: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly smsUrl: string | undefined;
  /** The Viber business-messaging provider (VIBER_URL); unset: Viber receipts go by SMS. */
  readonly viberUrl: string | undefined;
  /**
   * E-receipts: how long Viber gets before the SMS fallback, how long receipt short links work, and the base of the
   * receipt links they carry — OFD_PUBLIC_URL; in development its localhost default; in production without it none
   * (SMS then carry the QR string: a link to a guessed host would lead buyers nowhere).
   */
  readonly eReceipts: { readonly viberWaitMs: number; readonly shortLinkTtlMs: number; readonly linkBaseUrl: string | undefined };
  readonly adminToken: string | undefined;
  /** HMAC secret of cabinet session tokens; unset = a random one per process (sessions end at restart). */
  readonly jwtSecret: string | undefined;
  /**
   * `production` when NODE_ENV=production (the image sets it), else `development`. Production refuses to start the API
   * without OFD_PUBLIC_URL; development logs e-mail links when SMTP_URL is unset and defaults the public URL to localhost.
   */
  readonly mode: 'production' | 'development';
  /** Base URL in e-mailed links (confirmation, password reset); never taken from a request's Host header. */
  readonly publicUrl: string;
  /** Webhook targets allowed although internal (host names and CIDRs); everything internal is refused otherwise. */
  readonly webhookAllowHosts: readonly string[];
  /** E-receipts an organization may have sent through the API per hour. */
  readonly receiptSendsPerHour: number;
  /** Sign-in, sign-up and reset requests per client address per minute (shared by every API process through Redis). */
  readonly authRequestsPerMinute: number;
  /** Origins allowed by CORS; empty = no CORS headers. */
  readonly corsOrigins: readonly string[];
  /**
   * `host:port` customers type into their registers (OFD_GATEWAY_PUBLIC_ADDRESS); default: OFD_PUBLIC_URL's host and
   * the gateway port; undefined when neither is set (the API then uses the request's host).
   */
  readonly gatewayPublicAddress: string | undefined;
  /** Days notification history and delivered/failed outbox rows are kept (the worker's housekeeping). */
  readonly notificationRetentionDays: number;
  /** Days a finished export's file is kept for download (the exports worker's housekeeping). */
  readonly exportRetentionDays: number;
  /** KKT registration (issue 18): the FNS registration service, trusted CAs and their CRLs, polling. */
  readonly kktRegistration: {
    readonly fnsKktUrl: string | undefined;
    readonly signatureCaFile: string | undefined;
    readonly signatureCrlDir: string | undefined;
    readonly requireCrl: boolean;
    readonly pollIntervalMs: number;
  };
  /**
   * BullMQ lock and stalled check of the persist worker: a killed worker's jobs go back to the queue about
   * lockDurationMs + 2 × stalledIntervalMs after it died. Undefined: the persist worker's defaults (batching-worker.ts).
   */
  readonly persist: { readonly lockDurationMs: number | undefined; readonly stalledIntervalMs: number | undefined };
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  /** Billing (issue 17): the policy for registers whose paid service is over, and the card payment provider. */
  readonly billing: {
    readonly unpaidPolicy: 'flag' | 'stop';
    /** OFD_PAY_URL; undefined: no card top-ups. */
    readonly payUrl: string | undefined;
    /** OFD_PAY_SECRET: the provider's API key and its callbacks' HMAC secret; required with payUrl. */
    readonly paySecret: string | undefined;
    /** OFD_REQUISITES: the operator's requisites printed on invoices and acts. */
    readonly requisites: OperatorRequisites;
    /** OFD_PDF_FONT: a TTF with Cyrillic for the PDFs. */
    readonly pdfFont: string;
  };
}

export const requisitesSchema = z.object({
  name: z.string().min(1).max(300),
  inn: z.string().regex(/^(\d{10}|\d{12})$/),
  kpp: z.string().regex(/^\d{9}$/).optional(),
  address: z.string().max(500).default(''),
  bank: z.string().min(1).max(300),
  bik: z.string().regex(/^\d{9}$/),
  account: z.string().regex(/^\d{20}$/),
  correspondentAccount: z.string().regex(/^\d{20}$/),
});
export type OperatorRequisites = z.infer<typeof requisitesSchema>;
/** Placeholders for development: set OFD_REQUISITES in production. */
export const DEFAULT_REQUISITES: OperatorRequisites = {
  name: 'ООО «Оператор фискальных данных» (реквизиты не настроены)',
  inn: DEFAULT_OPERATOR_INN,
  kpp: '770401001',
  address: '',
  bank: 'Банк (реквизиты не настроены)',
  bik: '044525000',
  account: '40702810000000000000',
  correspondentAccount: '30101810000000000000',
};
export const DEFAULT_PDF_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

export const ConfigErrorCodes = { CONFIG_INVALID: 'CONFIG_INVALID' } as const;

export interface ConfigIssue {
  /** The environment variable at fault. */
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends CodedError<typeof ConfigErrorCodes.CONFIG_INVALID> {
  override readonly name = 'ConfigError';
  /** The first variable at fault; `issues` lists all of them. */
  readonly variable: string;

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(ConfigErrorCodes.CONFIG_INVALID, `invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.variable = issues[0]?.variable ?? 'environment';
  }
}

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function innCheckDigit(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  return (sum % 11) % 10;
}

/** INN check digits: weighted sum mod 11 mod 10 (10 digits: one check digit; 12 digits: two). */
export function isValidInn(inn: string): boolean {
  if (!/^(\d{10}|\d{12})$/.test(inn)) return false;
  const d = [...inn].map(Number);
  if (d.length === 10) return innCheckDigit(d, INN10_WEIGHTS) === d[9];
  return innCheckDigit(d, INN12_WEIGHTS_11) === d[10] && innCheckDigit(d, INN12_WEIGHTS_12) === d[11];
}

const PORT_MESSAGE = 'expected a TCP port number 0–65535';
const port = z
  .string()
  .regex(/^\d{1,5}$/, PORT_MESSAGE)
  .transform(Number)
  .refine((n) => n <= 65535, PORT_MESSAGE);

function urlWith(protocols: readonly string[]) {
  const message = `expected a URL with scheme ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')}`;
  return z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, message);
}

function oneOf<const T extends readonly string[]>(values: T) {
  return z
    .string()
    .refine((s): s is T[number] => values.includes(s), `expected one of ${values.join(', ')}`)
    .transform((s) => s as T[number]);
}

const roles = z.string().transform((s, ctx) => {
  const names = s.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const unknown = names.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || names.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: names.length === 0
        ? `expected a comma-separated list of ${ROLES.join(', ')}`
        : `unknown role ${unknown.map((r) => JSON.stringify(r)).join(', ')} (expected ${ROLES.join(', ')})`,
    });
    return z.NEVER;
  }
  return [...new Set(names)] as Role[];
});

/** An OFD_WEBHOOK_ALLOW_HOSTS entry: a host name, an IP address, or a CIDR. */
function isAllowHostEntry(s: string): boolean {
  const [addr = '', bits, ...rest] = s.split('/');
  if (rest.length > 0) return false;
  if (bits === undefined) return net.isIP(addr) !== 0 || HOSTNAME.test(addr);
  const max = net.isIP(addr) === 4 ? 32 : net.isIP(addr) === 6 ? 128 : -1;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const host = z.string().refine((s) => net.isIP(s) !== 0 || HOSTNAME.test(s), 'expected an IP address or a host name');

const count = (min: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min, `expected at least ${min}`);

const boolean = z
  .string()
  .refine((s) => /^(1|0|true|false|yes|no)$/i.test(s), 'expected true or false')
  .transform((s) => /^(1|true|yes)$/i.test(s));

/** Keys are the variable names, so every zod issue path names the variable. */
const envSchema = z
  .object({
    OFD_ROLES: roles.default([...ROLES]),
    OFD_PROCESSES: z
      .string()
      .regex(/^(auto|\d{1,4})$/, 'expected auto or a whole number of processes')
      .transform((s) => (s === 'auto' ? availableParallelism() : Number(s)))
      .refine((n) => n >= 1, 'expected at least 1')
      .default(availableParallelism()),
    OFD_HOST: host.default('0.0.0.0'),
    OFD_GATEWAY_PORT: port.default(4000),
    OFD_MARKING_PORT: port.default(4001),
    OFD_HTTP_PORT: port.default(8080),
    OFD_GATEWAY_MAX_CONNECTIONS: count(1).default(20_000),
    // On by default: one address (a scanner, a register stuck in a reconnect loop) cannot take every slot. 0 = off, for a
    // balancer without the PROXY protocol or a large NAT.
    OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: count(0).default(256),
    OFD_PROXY_PROTOCOL: boolean.default(false),
    OFD_ENQUEUE_MAX_DELAY_MS: count(0).refine((n) => n <= 100, 'expected at most 100 (ms)').default(5),
    OFD_ENQUEUE_MAX_BATCH: count(1).refine((n) => n <= 1000, 'expected at most 1000').default(200),
    DATABASE_URL: urlWith(['postgres:', 'postgresql:']).default(DEFAULT_DATABASE_URL),
    REDIS_URL: z
      .string()
      .refine((s) => {
        try {
          parseRedisTarget(s);
          return true;
        } catch {
          return false;
        }
      }, 'expected redis://host:port, rediss://…, or redis+cluster://host:port,host:port (rediss+cluster:// with TLS)')
      .default(DEFAULT_REDIS_URL),
    OFD_REDIS_WAIT_REPLICAS: count(0).default(0),
    OFD_REDIS_WAIT_TIMEOUT_MS: count(1).default(250),
    OFD_QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.{}-]+$/, 'expected letters, digits and _ . - { } (a {hash tag} for Redis Cluster)')
      .default('ofd'),
    OFD_CRYPTO: oneOf(CRYPTO_MODES).default('devsign'),
    OFD_DEVSIGN_KEY: z.string().default(DEFAULT_DEVSIGN_KEY),
    OFD_PKZ_URL: urlWith(['http:', 'https:']).optional(),
    OFD_INN: z
      .string()
      .refine(isValidInn, 'expected an INN of 10 or 12 digits with valid check digits')
      .default(DEFAULT_OPERATOR_INN),
    FNS_URL: urlWith(['http:', 'https:']).optional(),
    CRPT_URL: urlWith(['http:', 'https:']).optional(),
    SMTP_URL: urlWith(['smtp:', 'smtps:']).optional(),
    SMS_URL: urlWith(['http:', 'https:']).optional(),
    VIBER_URL: urlWith(['http:', 'https:']).optional(),
    OFD_VIBER_WAIT_SECONDS: z.coerce.number().int().min(10).max(86_400).default(120),
    OFD_SHORT_LINK_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    OFD_ADMIN_TOKEN: z
      .string()
      .min(MIN_ADMIN_TOKEN_LENGTH, `expected at least ${MIN_ADMIN_TOKEN_LENGTH} characters`)
      .optional(),
    OFD_JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
    NODE_ENV: z.string().optional(),
    OFD_PUBLIC_URL: urlWith(['http:', 'https:']).optional(),
    FNS_KKT_URL: urlWith(['http:', 'https:']).optional(),
    OFD_SIGNATURE_CA_FILE: z.string().min(1).optional(),
    OFD_SIGNATURE_CRL_DIR: z.string().min(1).optional(),
    OFD_SIGNATURE_REQUIRE_CRL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    OFD_KKT_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    OFD_GATEWAY_PUBLIC_ADDRESS: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. gate.example:4000')
      .refine((s) => Number(s.split(':')[1]) >= 1 && Number(s.split(':')[1]) <= 65535, 'expected a port 1–65535')
      .optional(),
    OFD_WEBHOOK_ALLOW_HOSTS: z
      .string()
      .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().refine(isAllowHostEntry, 'expected host names, IP addresses or CIDRs (10.0.0.0/8, fd00::/8)')))
      .default([]),
    OFD_RECEIPT_SENDS_PER_HOUR: count(1).default(100),
    OFD_AUTH_REQUESTS_PER_MINUTE: count(1).default(20),
    OFD_CORS_ORIGINS: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.url()))
      .default([]),
    OFD_NOTIFICATION_RETENTION_DAYS: count(1)
      .refine((n) => n <= MAX_NOTIFICATION_RETENTION_DAYS, `expected at most ${MAX_NOTIFICATION_RETENTION_DAYS}`)
      .default(DEFAULT_NOTIFICATION_RETENTION_DAYS),
    OFD_EXPORT_RETENTION_DAYS: count(1)
      .refine((n) => n <= MAX_NOTIFICATION_RETENTION_DAYS, `expected at most ${MAX_NOTIFICATION_RETENTION_DAYS}`)
      .default(DEFAULT_EXPORT_RETENTION_DAYS),
    // No defaults here: the persist worker owns them, and config stays free of the worker's imports (BullMQ, kysely).
    OFD_PERSIST_LOCK_MS: count(MIN_PERSIST_LOCK_MS).optional(),
    // BullMQ refuses a stalled interval of 0.
    OFD_PERSIST_STALLED_INTERVAL_MS: count(1).optional(),
    OFD_UNPAID_POLICY: oneOf(['flag', 'stop'] as const).default('flag'),
    OFD_PAY_URL: urlWith(['http:', 'https:']).optional(),
    OFD_PAY_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
    OFD_REQUISITES: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
          return z.NEVER;
        }
      })
      .pipe(requisitesSchema)
      .default(DEFAULT_REQUISITES),
    OFD_PDF_FONT: z.string().min(1).default(DEFAULT_PDF_FONT),
    LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
    LOG_PRETTY: boolean.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.OFD_PUBLIC_URL === undefined && env.OFD_ROLES.includes('api')) {
      ctx.addIssue({ code: 'custom', path: ['OFD_PUBLIC_URL'], message: 'required with NODE_ENV=production: links in e-mails are built from it, never from a request' });
    }
    if (env.OFD_CRYPTO === 'pkz' && env.OFD_PKZ_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OFD_PKZ_URL'], message: 'required when OFD_CRYPTO=pkz' });
    }
    if (isRedisClusterUrl(env.REDIS_URL) && hashTag(env.OFD_QUEUE_PREFIX) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OFD_QUEUE_PREFIX'], message: 'needs a {hash tag} with a Redis Cluster REDIS_URL, e.g. {ofd}: BullMQ keeps each queue in one slot' });
    }
    if (env.OFD_PAY_URL !== undefined && env.OFD_PAY_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OFD_PAY_SECRET'], message: 'required when OFD_PAY_URL is set' });
    }
  });

export type EnvVariable = keyof z.input<typeof envSchema>;
/** Every variable the process reads, for docs and `ofd` help. */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as EnvVariable[];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses the environment once; throws ConfigError (code CONFIG_INVALID) naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known: Record<string, string> = {};
  for (const name of ENV_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') known[name] = value;
  }
  const parsed = envSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message })),
    );
  }
  const e = parsed.data;
  const crypto: CryptoConfig =
    e.OFD_CRYPTO === 'pkz'
      // superRefine guarantees the URL in pkz mode.
      ? { mode: 'pkz', pkzUrl: e.OFD_PKZ_URL as string, devsignKey: e.OFD_DEVSIGN_KEY }
      : { mode: e.OFD_CRYPTO, devsignKey: e.OFD_DEVSIGN_KEY };
  return deepFreeze<Config>({
    roles: e.OFD_ROLES,
    processes: e.OFD_PROCESSES,
    host: e.OFD_HOST,
    gatewayPort: e.OFD_GATEWAY_PORT,
    markingPort: e.OFD_MARKING_PORT,
    httpPort: e.OFD_HTTP_PORT,
    gateway: {
      maxConnections: e.OFD_GATEWAY_MAX_CONNECTIONS,
      maxConnectionsPerAddress: e.OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS,
      proxyProtocol: e.OFD_PROXY_PROTOCOL,
      enqueueMaxDelayMs: e.OFD_ENQUEUE_MAX_DELAY_MS,
      enqueueMaxBatch: e.OFD_ENQUEUE_MAX_BATCH,
    },
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.OFD_QUEUE_PREFIX,
    redisWait: { replicas: e.OFD_REDIS_WAIT_REPLICAS, timeoutMs: e.OFD_REDIS_WAIT_TIMEOUT_MS },
    crypto,
    operatorInn: e.OFD_INN,
    fnsUrl: e.FNS_URL,
    crptUrl: e.CRPT_URL,
    smtpUrl: e.SMTP_URL,
    smsUrl: e.SMS_URL,
    viberUrl: e.VIBER_URL,
    eReceipts: {
      viberWaitMs: e.OFD_VIBER_WAIT_SECONDS * 1000,
      shortLinkTtlMs: e.OFD_SHORT_LINK_TTL_DAYS * 86_400_000,
      linkBaseUrl:
        e.OFD_PUBLIC_URL !== undefined
          ? e.OFD_PUBLIC_URL.replace(/\/+$/, '')
          : e.NODE_ENV === 'production'
            ? undefined
            : `http://localhost:${e.OFD_HTTP_PORT === 0 ? 8080 : e.OFD_HTTP_PORT}`,
    },
    adminToken: e.OFD_ADMIN_TOKEN,
    jwtSecret: e.OFD_JWT_SECRET,
    kktRegistration: {
      fnsKktUrl: e.FNS_KKT_URL,
      signatureCaFile: e.OFD_SIGNATURE_CA_FILE,
      signatureCrlDir: e.OFD_SIGNATURE_CRL_DIR,
      requireCrl: e.OFD_SIGNATURE_REQUIRE_CRL,
      pollIntervalMs: e.OFD_KKT_POLL_MS,
    },
    mode: e.NODE_ENV === 'production' ? 'production' : 'development',
    publicUrl: (e.OFD_PUBLIC_URL ?? `http://localhost:${e.OFD_HTTP_PORT === 0 ? 8080 : e.OFD_HTTP_PORT}`).replace(/\/+$/, ''),
    webhookAllowHosts: e.OFD_WEBHOOK_ALLOW_HOSTS,
    receiptSendsPerHour: e.OFD_RECEIPT_SENDS_PER_HOUR,
    authRequestsPerMinute: e.OFD_AUTH_REQUESTS_PER_MINUTE,
    corsOrigins: e.OFD_CORS_ORIGINS,
    gatewayPublicAddress:
      e.OFD_GATEWAY_PUBLIC_ADDRESS ?? (e.OFD_PUBLIC_URL === undefined ? undefined : `${new URL(e.OFD_PUBLIC_URL).hostname}:${e.OFD_GATEWAY_PORT}`),
    notificationRetentionDays: e.OFD_NOTIFICATION_RETENTION_DAYS,
    exportRetentionDays: e.OFD_EXPORT_RETENTION_DAYS,
    persist: { lockDurationMs: e.OFD_PERSIST_LOCK_MS, stalledIntervalMs: e.OFD_PERSIST_STALLED_INTERVAL_MS },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
    billing: {
      unpaidPolicy: e.OFD_UNPAID_POLICY,
      payUrl: e.OFD_PAY_URL,
      paySecret: e.OFD_PAY_SECRET,
      requisites: e.OFD_REQUISITES,
      pdfFont: e.OFD_PDF_FONT,
    },
  });
}
