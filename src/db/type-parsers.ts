// How this project reads PostgreSQL values, per pool (never pg's global `types`, which other code may share).
//
// | type                        | default in node-postgres        | here                                      |
// |-----------------------------|---------------------------------|-------------------------------------------|
// | int8                        | string                          | number; DB_UNSAFE_INTEGER beyond 2^53 − 1  |
// | numeric                     | string                          | string (unchanged: exact decimals)         |
// | timestamp (no time zone)    | Date in the *process's* zone    | 'YYYY-MM-DDTHH:mm:ss[.ffffff]' as stored   |
// | date                        | Date at local midnight          | 'YYYY-MM-DD' as stored                     |
// | timestamptz                 | Date                            | Date (unchanged)                           |
// | numeric[]                   | number[] (parseFloat: lossy)    | string[] (exact decimals, scale kept)      |
// The two time changes matter: a register's wall-clock time must not move with the TZ of whatever host reads it.
// Other arrays keep node-postgres's defaults (int8[] is string[]).
import pg from 'pg';
import { DbError, DbErrorCodes } from './errors.js';

const OID = { int8: 20, date: 1082, timestamp: 1114, numericArray: 1231, textArray: 1009 } as const;

export function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new DbError(DbErrorCodes.DB_UNSAFE_INTEGER, `int8 value ${value} does not fit a JS number exactly`);
  }
  return n;
}

export function parseLocalTimestamp(value: string): string {
  // PostgreSQL's ISO output is 'YYYY-MM-DD HH:mm:ss[.ffffff]'; 'infinity' / '-infinity' pass through.
  return value.replace(' ', 'T');
}

const identity = (value: string): string => value;

export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === OID.int8) return parseInt8;
      if (oid === OID.timestamp) return parseLocalTimestamp;
      if (oid === OID.date) return identity;
      // Parsed as text[]: each element the decimal as PostgreSQL prints it ('2.470').
      if (oid === OID.numericArray) return pg.types.getTypeParser(OID.textArray as Parameters<typeof pg.types.getTypeParser>[0], 'text');
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
