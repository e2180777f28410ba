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
export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected YYYY-MM-DDTHH:mm[:ss] (the register’s local time)');
export const instantSchema = z.iso.datetime({ offset: true });

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
