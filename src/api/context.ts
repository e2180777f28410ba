// What the /api/v1 routes share: built once by buildApp from its deps.
import type { Kysely } from 'kysely';
import type { EmailSender } from '../adapters/email/email-sender.js';
import type { Database } from '../db/database.js';
import type { CounterStore } from './counters.js';

export interface ApiContext {
  readonly db: Kysely<Database>;
  /** Undefined: no SMTP configured — nothing is e-mailed, and answers must not say it was. */
  readonly email: EmailSender | undefined;
  /** development: links that could not be e-mailed are logged at info; production: never. */
  readonly mode: 'production' | 'development';
  /** Base URL for links in e-mails, without a trailing slash; never taken from a request. */
  readonly publicUrl: string;
  /** Counters shared by every API process (Redis), or this process's memory. */
  readonly counters: CounterStore;
  readonly webhookAllowHosts: readonly string[];
  readonly receiptSendsPerHour: number;
  readonly loginLockout: { readonly maxFailures: number; readonly windowMs: number; readonly baseLockMs: number };
  readonly sessionTtlSeconds: number;
  readonly authRateLimit: { readonly max: number; readonly timeWindowMs: number };
  readonly registerSilentAfterMs: number;
}
