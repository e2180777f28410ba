// Short links of SMS and Viber receipts (migration 0046): `/r/{code}` → a path on OFD_PUBLIC_URL.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { ShortLinkRow } from './tables/notify.js';

type Db = Kysely<Database>;

const ALPHABET = 'ABCDEFGHIJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 12 characters of a 58-letter alphabet (no 0/O, 1/l look-alikes): ≈ 70 bits, never guessed by enumeration. */
export const SHORT_CODE_LENGTH = 12;
export const SHORT_CODE_PATTERN = new RegExp(`^[${ALPHABET}]{${SHORT_CODE_LENGTH}}$`);

/** A uniformly random code (rejection sampling: no letter is likelier than another). */
export function newShortCode(): string {
  let code = '';
  const limit = 256 - (256 % ALPHABET.length);
  while (code.length < SHORT_CODE_LENGTH) {
    for (const b of randomBytes(SHORT_CODE_LENGTH * 2)) {
      if (b < limit && code.length < SHORT_CODE_LENGTH) code += ALPHABET[b % ALPHABET.length];
    }
  }
  return code;
}

export type { ShortLinkRow } from './tables/notify.js';

/**
 * The link to `target` for a receipt: an existing one that stays valid for at least half of `ttlMs` more is reused (a
 * resend does not mint a new code each time); else a new one.
 */
export async function shortLinkFor(
  db: Db,
  link: { readonly organizationId: number | null; readonly fn: string; readonly fd: number; readonly target: string; readonly ttlMs: number },
): Promise<ShortLinkRow> {
  const existing = await db
    .selectFrom('short_links')
    .selectAll()
    .where('fn', '=', link.fn)
    .where('fd', '=', link.fd)
    .where('target', '=', link.target)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now() + make_interval(secs => ${link.ttlMs / 2000})`)
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (existing) return existing;
  return db
    .insertInto('short_links')
    .values({
      code: newShortCode(),
      organization_id: link.organizationId,
      fn: link.fn,
      fd: link.fd,
      target: link.target,
      expires_at: sql<Date>`now() + make_interval(secs => ${link.ttlMs / 1000})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type ShortLinkResolution = { readonly kind: 'ok'; readonly target: string } | { readonly kind: 'gone' } | { readonly kind: 'unknown' };

/** Follows a link, counting the open; an expired or revoked one is `gone` (and not counted). */
export async function openShortLink(db: Db, code: string): Promise<ShortLinkResolution> {
  const opened = await db
    .updateTable('short_links')
    .set({ opens: sql<number>`opens + 1`, last_opened_at: sql<Date>`now()` })
    .where('code', '=', code)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('target')
    .executeTakeFirst();
  if (opened) return { kind: 'ok', target: opened.target };
  const known = await db.selectFrom('short_links').select('code').where('code', '=', code).executeTakeFirst();
  return known ? { kind: 'gone' } : { kind: 'unknown' };
}

export async function listShortLinks(db: Db, organizationId: number, limit: number, fn?: string, fd?: number): Promise<ShortLinkRow[]> {
  let query = db.selectFrom('short_links').selectAll().where('organization_id', '=', organizationId);
  if (fn !== undefined) query = query.where('fn', '=', fn);
  if (fd !== undefined) query = query.where('fd', '=', fd);
  return query.orderBy('created_at', 'desc').orderBy('code').limit(limit).execute();
}

/** Revokes an organization's link; undefined when it has no such link (another tenant's is not told apart). */
export async function revokeShortLink(db: Db, organizationId: number, code: string): Promise<ShortLinkRow | undefined> {
  return db
    .updateTable('short_links')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('code', '=', code)
    .where('organization_id', '=', organizationId)
    .returningAll()
    .executeTakeFirst();
}
