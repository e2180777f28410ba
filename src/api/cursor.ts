/**
 * Opaque cursors for keyset pagination: base64url JSON of the last row's sort key plus the listing's name, so a cursor
 * from one listing is refused by another (BAD_CURSOR) instead of returning nonsense.
 */
import { z } from 'zod';
import { ApiError } from './errors.js';

export function encodeCursor(listing: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([listing, ...key]), 'utf8').toString('base64url');
}

const keyPart = z.union([z.string(), z.number()]);

/** The key encoded by encodeCursor for `listing`, checked against `arity`; BAD_CURSOR otherwise. */
export function decodeCursor(listing: string, cursor: string, arity: number): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError('BAD_CURSOR', 'the cursor is not valid');
  }
  const r = z.tuple([z.literal(listing)], keyPart).safeParse(parsed);
  if (!r.success || r.data.length !== arity + 1) throw new ApiError('BAD_CURSOR', 'the cursor is not valid for this listing');
  return r.data.slice(1) as (string | number)[];
}
