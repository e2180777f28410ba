/**
 * Schemas shared by the routes: ids, FN / FD numbers, money, pagination. Money is integer kopecks everywhere
 * (architecture decision 4); times of documents are the register's local wall clock, `YYYY-MM-DDTHH:mm:ss`.
 */
import { z } from 'zod';

/** A database id in a path or a query: a positive integer. */
export const idSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const fnSchema = z.string().regex(/^\d{16}$/, 'expected the 16-digit fiscal drive number').meta({ description: '1041 fiscalDriveNumber' });
export const fdSchema = z.coerce.number().int().min(1).max(0xffff_ffff).meta({ description: '1040 fiscalDocumentNumber' });
export const kopecksSchema = z.number().int().meta({ description: 'kopecks' });
/**
 * Whether `YYYY-MM-DD[THH:mm[:ss]]…` names a real calendar moment: a regex lets 2026-02-30, 2026-13-01 and T25:61
 * through, and PostgreSQL then fails the query (a 500) — so the parts are rebuilt and compared.
 */
export function isCalendarDateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  if (y! < 1 || h > 23 || mi > 59 || sec > 59) return false;
  const t = new Date(Date.UTC(y!, mo! - 1, d!));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo! - 1 && t.getUTCDate() === d;
}

export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected YYYY-MM-DDTHH:mm[:ss] (the register’s local time)')
  .refine(isCalendarDateTime, 'not a calendar date and time');
export const instantSchema = z.iso.datetime({ offset: true }).refine(isCalendarDateTime, 'not a calendar date and time');
/** A local day, `YYYY-MM-DD`, that exists in the calendar. */
export const localDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD (a local day)')
  .refine(isCalendarDateTime, 'not a calendar date');

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 500;
export const limitSchema = z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT);
export const cursorSchema = z.string().max(500).meta({ description: 'The `nextCursor` of the previous page' });

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    /** Null on the last page. */
    nextCursor: z.string().nullable(),
  });
}

/** `true`/`false` in a query string. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const dateOut = z.string().meta({ description: 'ISO 8601 instant (UTC)' });

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}
