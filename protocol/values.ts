/**
 * Value codecs for the TLV types of §5, between wire bytes and the JSON of §9. STLV (nested TLVs, any depth) is walked by
 * document-json.ts; 1077's printed-number form is here (`decodeFiscalSign`) but chosen by tag there.
 *
 * Decoders take `(buf, start, end)` rather than a slice: the hot path decodes hundreds of values per document and a
 * Buffer view per value would cost more than the value. Every decoder checks the dictionary's maximum length first
 * (`TLV_TOO_LONG`), then the type's size (`TLV_BAD_VALUE`); every encoder checks the same maximum on what it produced.
 *
 * JSON per type (§9):
 *   byte, bool, uint16, uint32, bitmask8, bitmask32  number (bool: 0/1 as on the wire, like FNS JSON; any byte kept)
 *   unixtime   "YYYY-MM-DDTHH:mm:ss", the local wall-clock time the seconds encode "as if UTC"
 *   vln        integer kopecks: number up to 2^53 − 1, bigint above (a decimal-digit string is accepted on input)
 *   fvln       number when it re-encodes to the same mantissa and scale, else an exact decimal string ("1.000")
 *   string     CP866 text; padding of `rpad_space` / `rpad_nul` fields trimmed, and put back on encode
 *   bytes      base64
 * Zero-length values (§5: they occur for every type) decode to "" for string and bytes and to null for the number-like
 * types; null encodes to a zero-length value of any type, and so does "". Both directions are lossless for them.
 */
import { type Cp866Text, decodeCp866, encodeCp866 } from './cp866.js';
import { ProtocolError } from './errors.js';
import type { TagRow, TagType } from './tags/index.js';

/** What a value codec needs to know about its tag. */
export type ValueSpec = Pick<TagRow, 'tag' | 'type' | 'maxLength' | 'padding'>;
export type ScalarType = Exclude<TagType, 'stlv'>;
export type ScalarJson = number | bigint | string | null;

/** FVLN in exact form: value = mantissa / 10^scale. */
export interface Fvln {
  mantissa: bigint;
  scale: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SPACE = 0x20;
const NUL = 0x00;
/** 10^0 … 10^22 are exact doubles, so `m / 10^s` is the correctly rounded value of the decimal (IEEE division). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const FIXED_SIZE: Partial<Record<ScalarType, number>> = {
  byte: 1, bool: 1, bitmask8: 1, uint16: 2, uint32: 4, bitmask32: 4, unixtime: 4,
};
const EMPTY = Buffer.alloc(0);

function badValue(spec: ValueSpec, msg: string, offset?: number): never {
  throw new ProtocolError('TLV_BAD_VALUE', `tag ${spec.tag} (${spec.type}): ${msg}`, offset);
}

function badJson(spec: Pick<ValueSpec, 'tag' | 'type'>, value: unknown, expected: string): never {
  const shown = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  throw new ProtocolError('JSON_BAD_DOCUMENT', `tag ${spec.tag} (${spec.type}): ${shown} is not ${expected}`);
}

/** `TLV_TOO_LONG` when `length` exceeds the dictionary's maximum for the tag. */
export function checkMaxLength(spec: Pick<TagRow, 'tag' | 'maxLength'>, length: number, offset?: number): void {
  if (spec.maxLength !== undefined && length > spec.maxLength) {
    throw new ProtocolError('TLV_TOO_LONG', `tag ${spec.tag}: ${length} bytes, at most ${spec.maxLength} allowed`, offset);
  }
}

// ---- decode ----

/** One value as JSON. `text`, when the value lies in a document being decoded, shares one string for its text fields. */
export function decodeScalar(spec: ValueSpec, buf: Buffer, start: number, end: number, text?: Cp866Text): ScalarJson {
  const len = end - start;
  checkMaxLength(spec, len, start);
  const type = spec.type;
  if (type === 'string') return decodeString(spec, buf, start, end, text);
  if (type === 'bytes') return buf.toString('base64', start, end);
  if (len === 0) return null;
  switch (type) {
    case 'vln':
      return decodeVln(buf, start, end);
    case 'fvln':
      return decodeFvlnJson(spec, buf, start, end);
    case 'byte':
    case 'bool':
    case 'bitmask8':
      if (len !== 1) badValue(spec, `${len} bytes, expected 1`, start);
      return buf[start]!;
    case 'uint16':
      if (len !== 2) badValue(spec, `${len} bytes, expected 2`, start);
      return buf.readUInt16LE(start);
    case 'uint32':
    case 'bitmask32':
      if (len !== 4) badValue(spec, `${len} bytes, expected 4`, start);
      return buf.readUInt32LE(start);
    case 'unixtime':
      if (len !== 4) badValue(spec, `${len} bytes, expected 4`, start);
      return formatUnixtime(buf.readUInt32LE(start));
    default:
      throw new Error(`decodeScalar: ${type} is not a scalar type`);
  }
}

function decodeString(spec: ValueSpec, buf: Buffer, start: number, end: number, text?: Cp866Text): string {
  const pad = spec.padding === 'rpad_space' ? SPACE : spec.padding === 'rpad_nul' ? NUL : -1;
  if (pad >= 0) while (end > start && buf[end - 1] === pad) end--;
  return text ? text.read(start, end) : decodeCp866(buf, start, end);
}

/** Unsigned LE integer of 1+ bytes (§5 VLN). Non-minimal encodings are accepted; re-encoding makes them minimal. */
export function decodeVln(buf: Buffer, start: number, end: number): number | bigint {
  if (end - start <= 6) return readUintLE(buf, start, end);
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 8n) | BigInt(buf[i]!);
  return v <= MAX_SAFE ? Number(v) : v;
}

/** Up to 6 bytes (< 2^48, exact in a double); a plain loop beats `readUIntLE`'s dispatch on these short values. */
function readUintLE(buf: Buffer, start: number, end: number): number {
  let v = 0;
  for (let i = end - 1; i >= start; i--) v = v * 256 + buf[i]!;
  return v;
}

/** FVLN (§5): byte 0 = digits after the point, then the LE mantissa (at least one byte). */
export function decodeFvln(spec: ValueSpec, buf: Buffer, start: number, end: number): Fvln {
  if (end - start < 2) badValue(spec, `${end - start} byte(s): a scale byte and a mantissa are needed`, start);
  const m = decodeVln(buf, start + 1, end);
  return { mantissa: BigInt(m), scale: buf[start]! };
}

/** FVLN as JSON (see fvlnToJson); the caller has checked the maximum length. */
export function decodeFvlnJson(spec: ValueSpec, buf: Buffer, start: number, end: number): number | string {
  if (end - start < 2) badValue(spec, `${end - start} byte(s): a scale byte and a mantissa are needed`, start);
  const s = buf[start]!;
  // Fast path (quantities): see fvlnToJson; a ≤ 6-byte mantissa is < 2^48 < 10^15.
  if (end - start <= 7 && s < POW10.length) {
    const m = readUintLE(buf, start + 1, end);
    if (s === 0 || m % 10 !== 0) return m / POW10[s]!;
  }
  return fvlnToJson(decodeFvln(spec, buf, start, end));
}

/** 1077 (§5.1): `[type][04][4 bytes]`; the printed ФП is the last 4 bytes as a BE uint32. */
export function decodeFiscalSign(spec: ValueSpec, buf: Buffer, start: number, end: number): number | null {
  checkMaxLength(spec, end - start, start);
  if (end === start) return null;
  if (end - start !== FISCAL_SIGN_LENGTH) badValue(spec, `${end - start} bytes, expected ${FISCAL_SIGN_LENGTH}`, start);
  return buf.readUInt32BE(start + 2);
}

export const FISCAL_SIGN_LENGTH = 6;
/** The type/length prefix of 1077 when none is given (§5.1: types seen 21 and 31). */
export const DEFAULT_FISCAL_SIGN_PREFIX: Readonly<Uint8Array> = Uint8Array.of(0x21, 0x04);

// ---- FVLN ⇄ JSON ----

/** The JSON form: a number when `fvlnFromNumber` gives back the same mantissa and scale, else the exact decimal. */
export function fvlnToJson(v: Fvln): number | string {
  const { mantissa: m, scale: s } = v;
  // Fast path: ≤ 15 significant digits and no trailing fractional zero — the shortest printing of m / 10^s is exactly
  // that decimal, so it reads back as (m, s).
  if (m < 1_000_000_000_000_000n && s < POW10.length && (s === 0 || m % 10n !== 0n)) return Number(m) / POW10[s]!;
  const exact = fvlnToDecimal(v);
  const n = Number(exact);
  const back = fvlnFromNumber(n);
  return back.mantissa === m && back.scale === s ? n : exact;
}

/** Exact decimal text: (123, 2) → "1.23", (5, 3) → "0.005", (1000, 3) → "1.000". */
export function fvlnToDecimal({ mantissa, scale }: Fvln): string {
  const digits = mantissa.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const NUMBER_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** The smallest scale that represents `n` (as JS prints it) exactly: 2.474 → (2474, 3); 1e-7 → (1, 7). */
export function fvlnFromNumber(n: number): Fvln {
  const m = NUMBER_TEXT.exec(String(n));
  if (!m || !Number.isFinite(n)) throw new ProtocolError('JSON_BAD_DOCUMENT', `${n} is not a non-negative decimal`);
  const [, int, frac = '', exp = '0'] = m as unknown as [string, string, string?, string?];
  const scale = frac.length - Number(exp);
  const mantissa = BigInt(int + frac);
  return scale >= 0 ? { mantissa, scale } : { mantissa: mantissa * 10n ** BigInt(-scale), scale: 0 };
}

/** A decimal string keeps the scale it is written with: "1.000" → (1000, 3). That is how JSON carries a scale. */
export function fvlnFromDecimal(text: string): Fvln {
  const m = DECIMAL.exec(text);
  if (!m) throw new ProtocolError('JSON_BAD_DOCUMENT', `${JSON.stringify(text)} is not a non-negative decimal`);
  const frac = m[2] ?? '';
  return { mantissa: BigInt(m[1]! + frac), scale: frac.length };
}

// ---- unixtime ⇄ JSON ----

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Seconds → "YYYY-MM-DDTHH:mm:ss" read as UTC (the seconds carry local wall-clock time, §5). Days → civil date by
 *  H. Hinnant's `civil_from_days`, which avoids a Date per value. */
export function formatUnixtime(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  let rem = seconds - days * 86400;
  const hh = Math.floor(rem / 3600);
  rem -= hh * 3600;
  const mi = Math.floor(rem / 60);
  const ss = rem - mi * 60;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mo = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (mo <= 2 ? 1 : 0);
  return `${y}-${pad2(mo)}-${pad2(d)}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}`;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** "YYYY-MM-DDTHH:mm:ss" → seconds; undefined when it is not that format, not a real date-time, or not a uint32. */
export function parseUnixtime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, hh, mi, ss] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const seconds = Date.UTC(y, mo - 1, d, hh, mi, ss) / 1000;
  // Date.UTC rolls 02-30 over to March and 24:00 to the next day: printing it back catches both.
  if (!(seconds >= 0 && seconds <= 0xffffffff) || formatUnixtime(seconds) !== text) return undefined;
  return seconds;
}

// ---- encode ----

export function encodeScalar(spec: ValueSpec, value: unknown): Buffer {
  if (value === null || value === '') return EMPTY;
  const out = encodeNonEmpty(spec, value);
  checkMaxLength(spec, out.length);
  return out;
}

function encodeNonEmpty(spec: ValueSpec, value: unknown): Buffer {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') badJson(spec, value, 'a string');
      return encodeString(spec, value);
    case 'bytes':
      return decodeBase64(spec, value);
    case 'vln':
      return encodeVln(spec, value);
    case 'fvln':
      return encodeFvln(spec, value);
    case 'unixtime': {
      const seconds = typeof value === 'string' ? parseUnixtime(value) : undefined;
      if (seconds === undefined) badJson(spec, value, 'a date-time "YYYY-MM-DDTHH:mm:ss" within uint32 seconds');
      return uint(spec, seconds, 4);
    }
    case 'bool':
      return uint(spec, typeof value === 'boolean' ? Number(value) : value, 1);
    default: {
      const size = FIXED_SIZE[spec.type as ScalarType];
      if (size === undefined) throw new Error(`encodeScalar: ${spec.type} is not a scalar type`);
      return uint(spec, value, size);
    }
  }
}

function checkUint(spec: ValueSpec, value: unknown, size: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** (8 * size)) {
    badJson(spec, value, `an integer 0 … ${2 ** (8 * size) - 1}`);
  }
  return value;
}

function uint(spec: ValueSpec, value: unknown, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  out.writeUIntLE(checkUint(spec, value, size), 0, size);
  return out;
}

function encodeString(spec: ValueSpec, value: string): Buffer {
  const text = encodeCp866(value, spec.tag);
  const pad = spec.padding === 'rpad_space' ? SPACE : spec.padding === 'rpad_nul' ? NUL : -1;
  if (pad < 0 || spec.maxLength === undefined || text.length >= spec.maxLength) return text;
  return Buffer.concat([text, Buffer.alloc(spec.maxLength - text.length, pad)]);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: only the canonical spelling of some bytes, so decode → encode → decode cannot drift. */
export function decodeBase64(spec: Pick<ValueSpec, 'tag' | 'type'>, value: unknown): Buffer {
  if (typeof value === 'string' && value.length % 4 === 0 && BASE64.test(value)) {
    const out = Buffer.from(value, 'base64');
    if (out.toString('base64') === value) return out;
  }
  return badJson(spec, value, 'canonical base64');
}

function toUnsignedBigint(spec: ValueSpec, value: unknown): bigint {
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return badJson(spec, value, 'a non-negative integer (number ≤ 2^53 − 1, bigint, or decimal digits)');
}

/** Minimal LE bytes; zero is one byte `00`. */
function leBytes(v: bigint): number[] {
  const bytes: number[] = [];
  do {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  return bytes;
}

export function encodeVln(spec: ValueSpec, value: unknown): Buffer {
  return Buffer.from(leBytes(toUnsignedBigint(spec, value)));
}

/** Number → minimal scale; decimal string → the scale as written; `Fvln` → as given. */
export function encodeFvln(spec: ValueSpec, value: unknown): Buffer {
  let v: Fvln;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) v = fvlnFromNumber(value);
  else if (typeof value === 'string' && DECIMAL.test(value)) v = fvlnFromDecimal(value);
  else if (isFvln(value)) v = value;
  else return badJson(spec, value, 'a non-negative number or decimal string');
  if (v.scale > 0xff) badJson(spec, value, 'a decimal with at most 255 fractional digits');
  return Buffer.from([v.scale, ...leBytes(v.mantissa)]);
}

function isFvln(value: unknown): value is Fvln {
  if (typeof value !== 'object' || value === null) return false;
  const { mantissa, scale } = value as Partial<Fvln>;
  return typeof mantissa === 'bigint' && mantissa >= 0n && Number.isInteger(scale) && (scale as number) >= 0;
}

/** 1077 from its printed number; `prefix` is `[type][04]` (§5.1). */
export function encodeFiscalSign(spec: ValueSpec, value: unknown, prefix: Readonly<Uint8Array>): Buffer {
  if (value === null) return EMPTY;
  if (prefix.length !== 2) throw new Error('fiscal sign prefix must be 2 bytes');
  const out = Buffer.allocUnsafe(FISCAL_SIGN_LENGTH);
  out.set(prefix, 0);
  out.writeUInt32BE(checkUint(spec, value, 4), 2);
  return out;
}
