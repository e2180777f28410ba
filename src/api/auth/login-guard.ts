/**
 * Brute force per account: failed logins are counted per e-mail (known or not, so the answers do not tell them apart)
 * in a window shared by every API process (Redis). From the `maxFailures`-th failure on, the account is locked for a
 * time that doubles with each further failure (base lock × 2ⁿ, at most the window); the account is e-mailed once per
 * lockout. A successful login or password reset clears the count. Per-address limits stay in the rate limiter.
 */
import { sha256Hex } from './secrets.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';

const key = (email: string) => `login:${sha256Hex(email.toLowerCase())}`;

export class LoginLockedError extends ApiError {
  constructor(override readonly retryAfterMs: number) {
    super('LOGIN_LOCKED', `too many failed logins for this e-mail: try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** Throws LoginLockedError while the account is locked (checked before the password, so a lock cannot be probed). */
export async function assertLoginAllowed(ctx: ApiContext, email: string): Promise<void> {
  const left = await ctx.counters.flagged(`${key(email)}:lock`);
  if (left > 0) throw new LoginLockedError(left);
}

/** Counts a failure; true when this one started a lockout (the moment to notify the account). */
export async function recordLoginFailure(ctx: ApiContext, email: string): Promise<{ lockedMs: number; startedLockout: boolean }> {
  const { maxFailures, windowMs, baseLockMs } = ctx.loginLockout;
  const { count } = await ctx.counters.hit(`${key(email)}:fail`, windowMs);
  if (count < maxFailures) return { lockedMs: 0, startedLockout: false };
  const lockedMs = Math.min(windowMs, baseLockMs * 2 ** Math.min(count - maxFailures, 20));
  await ctx.counters.flag(`${key(email)}:lock`, lockedMs);
  return { lockedMs, startedLockout: count === maxFailures };
}

export async function clearLoginFailures(ctx: ApiContext, email: string): Promise<void> {
  await ctx.counters.reset(`${key(email)}:fail`, `${key(email)}:lock`);
}
