// E-mail and password → the user, with the same refusals and timing as `POST /auth/login`.
import type { Kysely } from 'kysely';
import { findUserByEmail } from '../../db/api-access.repository.js';
import type { Database } from '../../db/database.js';
import type { User } from '../../db/tables/api-access.js';
import { ApiError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** A hash to verify against when the e-mail is unknown, so the answer takes as long as for a known one. */
let dummyHash: Promise<string> | undefined;

export async function checkCredentials(db: Kysely<Database>, email: string, password: string): Promise<User> {
  const user = await findUserByEmail(db, email);
  if (!user) {
    await verifyPassword(await (dummyHash ??= hashPassword('Dummy-password-1')), password);
    throw new ApiError('INVALID_CREDENTIALS', 'wrong e-mail or password');
  }
  if (!(await verifyPassword(user.password_hash, password))) throw new ApiError('INVALID_CREDENTIALS', 'wrong e-mail or password');
  if (user.status === 'pending') throw new ApiError('EMAIL_NOT_CONFIRMED', 'confirm the e-mail first: follow the link we sent');
  if (user.status === 'disabled') throw new ApiError('USER_DISABLED', 'the user is disabled');
  return user;
}
