/**
 * Opaque cursors for keyset pagination: base64url JSON of the last row's sort key plus the listing's name, so a cursor
 * from one listing is refused by another (BAD_CURSOR) instead of returning nonsense. Each key part is checked against
 * its kind, so a hand-made cursor with a wrong-typed key is a 400, never a failed query.
 */
import { z } from 'zod';
import { ApiError } from './errors.js';

export function encodeCursor(listing: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([listing, ...key]), 'utf8').toString('base64url');
}

/** id: a database id; uint32: an FD or shift number; fn: 16 digits; instant: an ISO 8601 UTC instant. */
export type CursorKeyKind = 'id' | 'uint32' | 'fn' | 'instant';

const KEY_SCHEMAS: Record<CursorKeyKind, z.ZodType<string | number>> = {
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  uint32: z.number().int().min(0).max(0xffff_ffff),
  fn: z.string().regex(/^\d{16}$/),
  instant: z.iso.datetime().refine((s) => !Number.isNaN(Date.parse(s))),
};

/** The key encoded by encodeCursor for `listing`, each part checked against `kinds`; BAD_CURSOR otherwise. */
export function decodeCursor(listing: string, cursor: string, kinds: readonly CursorKeyKind[]): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError('BAD_CURSOR', 'the cursor is not valid', [{ path: 'query.cursor', message: 'not a cursor of this API', issue: 'custom' }]);
  }
  const key = z.tuple([z.literal(listing), ...kinds.map((k) => KEY_SCHEMAS[k])] as unknown as [z.ZodLiteral<string>]).safeParse(parsed);
  if (!key.success) {
    throw new ApiError('BAD_CURSOR', 'the cursor is not valid for this listing', [
      { path: 'query.cursor', message: 'not a cursor of this listing', issue: 'custom' },
    ]);
  }
  return (key.data as unknown[]).slice(1) as (string | number)[];
}

/** A page of a keyset listing read with `limit + 1` rows: the first `limit` as items, and a cursor after the last when more follow. */
export function keysetPage<R, T>(
  listing: string,
  rows: readonly R[],
  limit: number,
  json: (row: R) => T,
  keyOf: (row: R) => readonly (string | number)[],
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map((r) => json(r)), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(listing, keyOf(last)) : null };
}
