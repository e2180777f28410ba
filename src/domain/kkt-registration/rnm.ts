import { CodedError } from '../errors.js';
/**
 * The registration number of a cash register (РНМ, «регистрационный номер ККТ», tag 1037): 16 digits, the FNS's
 * 10-digit ordinal number of the registration followed by a 6-digit check number. The FNS's requirements for the
 * registration number (quoted word for word in public code, e.g. the Java class ru.vzotov.cashreceipt…FiscalInfo, and
 * implemented the same way in adslbarxatov/KassArray's GetFullRNM) define the check number as
 * CRC16-CCITT (width 16, polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR) over the ASCII digits of
 *   a) the ordinal number, left-padded with zeros to 10 digits,
 *   b) the user's INN, left-padded with zeros to 12 digits,
 *   c) the KKT serial number (заводской номер), left-padded with zeros to 20 characters,
 * written in decimal and left-padded with zeros to 6 digits. So a РНМ is valid only for one INN and one serial: the
 * check catches a register moved to another owner or a typo, which is why the registration report is checked against it.
 * Verified on real receipts served by the FNS (see test/unit/kkt-registration/rnm.test.ts for the sources).
 */

export const ORDINAL_LENGTH = 10;
const INN_PAD = 12;
const SERIAL_PAD = 20;
const CHECK_LENGTH = 6;

/** CRC16-CCITT («CCITT-FALSE»: poly 0x1021, init 0xFFFF, MSB first, no final XOR) over bytes. */
export function crc16Ccitt(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export type RnmErrorCode = 'RNM_FORMAT' | 'RNM_CHECK_MISMATCH' | 'RNM_INPUT';

export class RnmError extends CodedError<RnmErrorCode> {
  override readonly name = 'RnmError';
}

/** FFD pads 1018 and 1037 with trailing spaces, and serials may carry them too: the check is over the trimmed values. */
function normalised(inn: string, kktSerial: string): { inn: string; serial: string } {
  const i = inn.trim();
  const s = kktSerial.trim();
  if (!/^\d{10}$|^\d{12}$/.test(i)) throw new RnmError('RNM_INPUT', `the user's INN is 10 or 12 digits, got ${JSON.stringify(inn)}`);
  // Serials are printable ASCII on the nameplate; the FNS pads them as strings, so letters pass through unchanged.
  if (!/^[\x21-\x7e]{1,20}$/.test(s)) throw new RnmError('RNM_INPUT', `the KKT serial is 1–20 printable characters, got ${JSON.stringify(kktSerial)}`);
  return { inn: i, serial: s };
}

/** The 6-digit check number of an ordinal number for this INN and KKT serial. */
export function rnmCheckNumber(ordinal: string, inn: string, kktSerial: string): string {
  if (!/^\d{1,10}$/.test(ordinal)) throw new RnmError('RNM_INPUT', `the ordinal part of a РНМ is 1–10 digits, got ${JSON.stringify(ordinal)}`);
  const n = normalised(inn, kktSerial);
  const input = ordinal.padStart(ORDINAL_LENGTH, '0') + n.inn.padStart(INN_PAD, '0') + n.serial.padStart(SERIAL_PAD, '0');
  return String(crc16Ccitt(Buffer.from(input, 'ascii'))).padStart(CHECK_LENGTH, '0');
}

/** A full 16-digit РНМ from the FNS's ordinal number (an integer or digits). */
export function computeRnm(ordinal: number | string, inn: string, kktSerial: string): string {
  const digits = typeof ordinal === 'number' ? String(ordinal) : ordinal;
  if (typeof ordinal === 'number' && (!Number.isSafeInteger(ordinal) || ordinal < 0)) {
    throw new RnmError('RNM_INPUT', `the ordinal number is a non-negative integer, got ${ordinal}`);
  }
  return digits.padStart(ORDINAL_LENGTH, '0') + rnmCheckNumber(digits, inn, kktSerial);
}

export type RnmCheck = { valid: true } | { valid: false; code: RnmErrorCode; message: string; expectedCheck?: string };

/** Whether `rnm` (trailing FFD padding allowed) was issued for this INN and KKT serial. */
export function checkRnm(rnm: string, inn: string, kktSerial: string): RnmCheck {
  const r = rnm.trim();
  if (!/^\d{16}$/.test(r)) return { valid: false, code: 'RNM_FORMAT', message: `a РНМ is 16 digits, got ${JSON.stringify(rnm)}` };
  let expected: string;
  try {
    expected = rnmCheckNumber(r.slice(0, ORDINAL_LENGTH), inn, kktSerial);
  } catch (e) {
    if (e instanceof RnmError) return { valid: false, code: e.code, message: e.message };
    throw e;
  }
  if (expected !== r.slice(ORDINAL_LENGTH)) {
    return {
      valid: false,
      code: 'RNM_CHECK_MISMATCH',
      message: 'the РНМ check number does not match this INN and KKT serial',
      expectedCheck: expected,
    };
  }
  return { valid: true };
}

/** Throws a typed RnmError unless `rnm` belongs to this INN and serial. */
export function assertRnm(rnm: string, inn: string, kktSerial: string): void {
  const c = checkRnm(rnm, inn, kktSerial);
  if (!c.valid) throw new RnmError(c.code, c.message);
}
