/**
 * Passwords: the rules customers of Russian OFD cabinets know (6–20 characters; lower- and upper-case Latin letters,
 * digits and symbols; nothing else), hashed with argon2id (@node-rs/argon2's default algorithm, OWASP parameters:
 * 19 MiB, 2 passes).
 */
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

export const PASSWORD_MIN_LENGTH = 6;
export const PASSWORD_MAX_LENGTH = 20;

/** Every rule a password breaks, as messages; empty when it is acceptable. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    problems.push(`must be ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters long`);
  }
  if (/[^\x21-\x7e]/.test(password)) problems.push('may hold only Latin letters, digits and symbols (no spaces)');
  if (!/[a-z]/.test(password)) problems.push('must contain a lower-case Latin letter');
  if (!/[A-Z]/.test(password)) problems.push('must contain an upper-case Latin letter');
  if (!/[0-9]/.test(password)) problems.push('must contain a digit');
  if (!/[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(password)) problems.push('must contain a symbol such as ! # % * _ -');
  return problems;
}

/** A zod schema for a new password: one issue per broken rule, so the 400 lists them all. */
export const newPasswordSchema = z
  .string()
  .superRefine((value, ctx) => {
    for (const message of passwordProblems(value)) ctx.addIssue({ code: 'custom', message: `password ${message}` });
  })
  .meta({
    description: `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters: lower- and upper-case Latin letters, digits and symbols`,
  });

/** argon2id PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** False for a wrong password or a malformed hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}
