/** The environment contract: every variable the process reads, its parser and its default (README's table). */
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { isValidInn } from '../domain/inn.js';
import { hashTag, isRedisClusterUrl, parseRedisTarget } from '../domain/redis-target.js';
import {
  CRYPTO_MODES,
  DEFAULT_DATABASE_URL,
  DEFAULT_DEVSIGN_KEY,
  DEFAULT_EXPORT_RETENTION_DAYS,
  DEFAULT_NOTIFICATION_RETENTION_DAYS,
  DEFAULT_OPERATOR_INN,
  DEFAULT_PDF_FONT,
  DEFAULT_REDIS_URL,
  LOG_LEVELS,
  MAX_NOTIFICATION_RETENTION_DAYS,
  MIN_ADMIN_TOKEN_LENGTH,
  MIN_PERSIST_LOCK_MS,
  ROLES,
  type Role,
} from './defaults.js';
import { DEFAULT_REQUISITES, requisitesSchema } from './requisites.js';
import { splitsWorker } from './child-plan.js';

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

/**
 * OFD_PROCESSES=auto: one process per core — and, when the worker role is split off (several roles), at least one more
 * than an explicit OFD_WORKER_PROCESSES, so that a setting written for a 4-core machine (say OFD_WORKER_PROCESSES=2)
 * still starts on 2 cores rather than being refused. Resolved after parsing (a zod transform before the cross-field
 * checks would hide them behind any single field's error).
 */
export function resolveProcesses(env: { OFD_PROCESSES: number | 'auto'; OFD_WORKER_PROCESSES: number | 'auto'; OFD_ROLES: readonly Role[] }): number {
  if (env.OFD_PROCESSES !== 'auto') return env.OFD_PROCESSES;
  const cores = availableParallelism();
  const workers = env.OFD_WORKER_PROCESSES;
  return typeof workers === 'number' && workers > 0 && splitsWorker(env.OFD_ROLES, workers + 1) ? Math.max(cores, workers + 1) : cores;
}

/** Keys are the variable names, so every zod issue path names the variable. */
export const envSchema = z
  .object({
    OFD_ROLES: roles.default([...ROLES]),
    // auto: one per core, resolved below with OFD_WORKER_PROCESSES.
    OFD_PROCESSES: z
      .string()
      .regex(/^(auto|\d{1,4})$/, 'expected auto or a whole number of processes')
      .transform((s): number | 'auto' => (s === 'auto' ? 'auto' : Number(s)))
      .refine((n) => n === 'auto' || n >= 1, 'expected at least 1')
      .default('auto'),
    // Of OFD_PROCESSES, the children that run the worker role alone at a lower CPU priority (src/config/child-plan.ts).
    OFD_WORKER_PROCESSES: z
      .string()
      .regex(/^(auto|\d{1,4})$/, 'expected auto or a whole number of processes')
      .transform((s): number | 'auto' => (s === 'auto' ? 'auto' : Number(s)))
      .default('auto'),
    OFD_WORKER_NICE: count(0).refine((n) => n <= 19, 'expected a niceness from 0 to 19').default(10),
    // The worker children pause while a gateway child's event loop is this busy (0–1; src/cluster/worker-yield.ts) …
    OFD_WORKER_YIELD_ELU: z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a fraction from 0 to 1, e.g. 0.85')
      .transform(Number)
      .default(0.85),
    // … for at most this long at a time (the lag bound); 0 = never pause.
    OFD_WORKER_MAX_PAUSE_MS: count(0).refine((n) => n <= 60_000, 'expected at most 60000 (ms): a pause is a lag bound').default(10_000),
    // A worker process's forwarding (fns, crpt, notify) pauses while its persist worker is backlogged, for at most this
    // long at a time (src/workers/shared/forwarding-yield.ts); 0 = never pause.
    OFD_FORWARD_MAX_PAUSE_MS: count(0).refine((n) => n <= 300_000, 'expected at most 300000 (ms): a pause is a lag bound').default(30_000),
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
    // The operator's staff in the cabinet (src/api/auth/staff.ts): users who may do what the operator token may.
    OFD_OPERATOR_EMAILS: z
      .string()
      .transform((s) => s.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.email({ message: 'expected comma-separated e-mail addresses' })))
      .default([]),
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
    // Store a document's usual values as null (verified, passed, payment sums of 0, its register's number; migration
    // 0077): ≈ 80 bytes a receipt. On by default since migration 0079's release; false while processes of a release
    // before 0077 still run beside this one (an upgrade from there): those read null otherwise.
    OFD_STORE_USUAL_AS_NULL: boolean.default(true),
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
    const processes = resolveProcesses(env);
    if (typeof env.OFD_WORKER_PROCESSES === 'number' && splitsWorker(env.OFD_ROLES, processes) && env.OFD_WORKER_PROCESSES >= processes) {
      ctx.addIssue({
        code: 'custom',
        path: ['OFD_WORKER_PROCESSES'],
        message: `expected fewer than OFD_PROCESSES (${processes}): at least one process must accept registers and serve the API; 0 runs every role in every process`,
      });
    }
    if (env.OFD_PAY_URL !== undefined && env.OFD_PAY_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OFD_PAY_SECRET'], message: 'required when OFD_PAY_URL is set' });
    }
  });

export type EnvVariable = keyof z.input<typeof envSchema>;
/** Every variable the process reads, for docs and `ofd` help. */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as EnvVariable[];
/** The parsed environment. */
export type Env = z.output<typeof envSchema>;
