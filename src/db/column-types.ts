// How PostgreSQL values look in TypeScript. The parsers that make these true are in type-parsers.ts.
import type { ColumnType, JSONColumnType } from 'kysely';

/**
 * int8 (bigint): kopecks, FD and shift numbers, ids. Read as a JS number: every int8 in this schema stays far below
 * 2^53 by the domain's own limits (money is a 6-byte VLN, at most 2^48 − 1 kopecks; FD numbers are uint32), and a value
 * that does not fails the query with DB_UNSAFE_INTEGER rather than losing digits. Written as a number, a bigint or a
 * decimal string.
 */
export type Int8 = ColumnType<number, number | bigint | string, number | bigint | string>;

/**
 * numeric: exact decimals (quantities with their FVLN scale, the 64-bit ФПС). Always a decimal string, both ways:
 * `'2.470'` reads back as `'2.470'`; a JS float never touches it.
 */
export type Numeric = ColumnType<string, string | bigint, string | bigint>;

/**
 * timestamp without time zone: the register's local wall clock (tag 1012 dateTime). Read as `'YYYY-MM-DDTHH:mm:ss'`
 * (the FNS JSON shape) whatever the process's or the session's time zone; written as such a string.
 */
export type LocalDateTime = ColumnType<string, string, string>;

/** timestamptz: an instant. Read as a Date; written as a Date or an ISO string with an offset. */
export type Timestamptz = ColumnType<Date, Date | string, Date | string>;

/**
 * jsonb: read parsed; written as a JSON string (`JSON.stringify(value)`). The string is deliberate: node-postgres would
 * turn a JS array into a PostgreSQL array literal, not JSON.
 */
export type Jsonb<T extends object | null> = JSONColumnType<T>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A column with a database default: optional on insert. Like kysely's Generated, but keeps a ColumnType's own types. */
export type Defaulted<C> = C extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : ColumnType<C, C | undefined, C>;

/** date: a calendar day, read and written as 'YYYY-MM-DD' (type-parsers.ts keeps PostgreSQL's text). */
export type PgDate = ColumnType<string, string, string>;
