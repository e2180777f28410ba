/**
 * Process configuration from the environment (architecture §4): parsed once at start by `main`, validated with zod, frozen.
 * Every variable is optional; a bad value fails fast with a ConfigError that names the variable.
 *
 * An empty value (`FNS_URL=` in a compose file or an `.env`) counts as unset, so it takes the default rather than failing.
 */
import { isValidInn } from './domain/inn.js';
import { ConfigError } from './config/errors.js';
import { ENV_VARIABLES, envSchema, resolveProcesses, type Env } from './config/env-schema.js';
import type { LogLevel, Role } from './config/defaults.js';
import type { OperatorRequisites } from './config/requisites.js';
import { resolveWorkerProcesses } from './config/child-plan.js';

export * from './config/defaults.js';
export { ConfigError, ConfigErrorCodes, type ConfigIssue } from './config/errors.js';
export { ENV_VARIABLES, type EnvVariable } from './config/env-schema.js';
export { DEFAULT_REQUISITES, requisitesSchema, type OperatorRequisites } from './config/requisites.js';
/** INN check digits (src/domain/inn.ts), as OFD_INN is checked. */
export { isValidInn };

/** devsignKey is always present: in `none` mode documents are not verified, but the ack still has to be signed. */
export type CryptoConfig = { readonly devsignKey: string } & (
  | { readonly mode: 'devsign' | 'none' }
  | { readonly mode: 'pkz'; readonly pkzUrl: string }
);

export interface Config {
  /** Roles this process runs, deduplicated, in the order given. */
  readonly roles: readonly Role[];
  /**
   * Processes `npm start` runs (decision 9: every core). 1 = this process alone, with every role in `roles`; more = a
   * supervisor forks that many children sharing the listening ports (node:cluster) and restarts any that dies; the
   * roles are divided between them as `workerProcesses` says.
   */
  readonly processes: number;
  /**
   * Of `processes`, the children that run the worker role alone at niceness `workerNice`, so that acknowledging comes
   * before storing when CPU is short (src/config/child-plan.ts). 0: every child runs every role.
   */
  readonly workerProcesses: number;
  readonly workerNice: number;
  /** The worker children pause while a gateway child's event loop is at least `highElu` busy, `maxPauseMs` at most (0: never). */
  readonly workerYield: { readonly highElu: number; readonly maxPauseMs: number };
  /** A worker process's forwarding pauses while its persist worker is backlogged, `maxPauseMs` at most (0: never). */
  readonly forwardYield: { readonly maxPauseMs: number };
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
  /** OFD_OPERATOR_EMAILS, lower-case: users who are the operator's staff in the cabinet (src/api/auth/staff.ts). */
  readonly operatorEmails: ReadonlySet<string>;
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
  readonly persist: {
    readonly lockDurationMs: number | undefined;
    readonly stalledIntervalMs: number | undefined;
    /** OFD_STORE_USUAL_AS_NULL (workers/persist/usual-as-null.ts). */
    readonly usualAsNull: boolean;
  };
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The known, non-empty variables of `env`, parsed; throws ConfigError naming each bad one. */
function parseEnv(env: Record<string, string | undefined>): Env {
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
  return parsed.data;
}

function cryptoOf(e: Env): CryptoConfig {
  return e.OFD_CRYPTO === 'pkz'
    // superRefine guarantees the URL in pkz mode.
    ? { mode: 'pkz', pkzUrl: e.OFD_PKZ_URL as string, devsignKey: e.OFD_DEVSIGN_KEY }
    : { mode: e.OFD_CRYPTO, devsignKey: e.OFD_DEVSIGN_KEY };
}

/** The register-facing ports and the external systems the roles talk to. */
function connectionsOf(e: Env) {
  const processes = resolveProcesses(e);
  return {
    roles: e.OFD_ROLES,
    processes,
    workerProcesses: resolveWorkerProcesses(e.OFD_WORKER_PROCESSES, e.OFD_ROLES, processes),
    workerNice: e.OFD_WORKER_NICE,
    workerYield: { highElu: e.OFD_WORKER_YIELD_ELU, maxPauseMs: e.OFD_WORKER_MAX_PAUSE_MS },
    forwardYield: { maxPauseMs: e.OFD_FORWARD_MAX_PAUSE_MS },
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
    crypto: cryptoOf(e),
    operatorInn: e.OFD_INN,
    fnsUrl: e.FNS_URL,
    crptUrl: e.CRPT_URL,
    smtpUrl: e.SMTP_URL,
    smsUrl: e.SMS_URL,
    viberUrl: e.VIBER_URL,
  } satisfies Partial<Config>;
}

/** The cabinet and API: links, tokens, limits, KKT registration, retention. */
function serviceOf(e: Env) {
  const localUrl = `http://localhost:${e.OFD_HTTP_PORT === 0 ? 8080 : e.OFD_HTTP_PORT}`;
  return {
    eReceipts: {
      viberWaitMs: e.OFD_VIBER_WAIT_SECONDS * 1000,
      shortLinkTtlMs: e.OFD_SHORT_LINK_TTL_DAYS * 86_400_000,
      linkBaseUrl: e.OFD_PUBLIC_URL !== undefined ? e.OFD_PUBLIC_URL.replace(/\/+$/, '') : e.NODE_ENV === 'production' ? undefined : localUrl,
    },
    adminToken: e.OFD_ADMIN_TOKEN,
    operatorEmails: new Set(e.OFD_OPERATOR_EMAILS) as ReadonlySet<string>,
    jwtSecret: e.OFD_JWT_SECRET,
    kktRegistration: {
      fnsKktUrl: e.FNS_KKT_URL,
      signatureCaFile: e.OFD_SIGNATURE_CA_FILE,
      signatureCrlDir: e.OFD_SIGNATURE_CRL_DIR,
      requireCrl: e.OFD_SIGNATURE_REQUIRE_CRL,
      pollIntervalMs: e.OFD_KKT_POLL_MS,
    },
    mode: e.NODE_ENV === 'production' ? 'production' : 'development',
    publicUrl: (e.OFD_PUBLIC_URL ?? localUrl).replace(/\/+$/, ''),
    webhookAllowHosts: e.OFD_WEBHOOK_ALLOW_HOSTS,
    receiptSendsPerHour: e.OFD_RECEIPT_SENDS_PER_HOUR,
    authRequestsPerMinute: e.OFD_AUTH_REQUESTS_PER_MINUTE,
    corsOrigins: e.OFD_CORS_ORIGINS,
    gatewayPublicAddress:
      e.OFD_GATEWAY_PUBLIC_ADDRESS ?? (e.OFD_PUBLIC_URL === undefined ? undefined : `${new URL(e.OFD_PUBLIC_URL).hostname}:${e.OFD_GATEWAY_PORT}`),
    notificationRetentionDays: e.OFD_NOTIFICATION_RETENTION_DAYS,
    exportRetentionDays: e.OFD_EXPORT_RETENTION_DAYS,
  } satisfies Partial<Config>;
}

/** Parses the environment once; throws ConfigError (code CONFIG_INVALID) naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = parseEnv(env);
  return deepFreeze<Config>({
    ...connectionsOf(e),
    ...serviceOf(e),
    persist: { lockDurationMs: e.OFD_PERSIST_LOCK_MS, stalledIntervalMs: e.OFD_PERSIST_STALLED_INTERVAL_MS, usualAsNull: e.OFD_STORE_USUAL_AS_NULL },
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
