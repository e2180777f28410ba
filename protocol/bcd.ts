/**
 * The container carries the FN number as 8 bytes of packed BCD, 16 nibbles (§2.1): `99 99 07 89 02 01 32 67` =
 * "9999078902013267". A trailing run of `F` nibbles pads a shorter number (`…4567F` = 15 digits).
 */
import { ProtocolError } from './errors.js';

export const FN_BCD_LENGTH = 8;
const BCD_FN = /^(\d+)(F*)$/;

export function decodeFnBcd(bytes: Buffer, offset = 0): string {
  if (bytes.length < offset + FN_BCD_LENGTH) {
    throw new ProtocolError('PROTO_TRUNCATED', 'FN number: fewer than 8 BCD bytes', offset);
  }
  const nibbles = bytes.toString('hex', offset, offset + FN_BCD_LENGTH).toUpperCase();
  const m = BCD_FN.exec(nibbles);
  if (!m) throw new ProtocolError('PROTO_BAD_FN', `FN number: ${nibbles} is not BCD digits with trailing F padding`, offset);
  return m[1]!;
}

export function encodeFnBcd(fiscalDriveNumber: string): Buffer {
  if (!/^\d{1,16}$/.test(fiscalDriveNumber)) {
    throw new ProtocolError('PROTO_BAD_FN', `FN number must be 1–16 digits, got ${JSON.stringify(fiscalDriveNumber)}`);
  }
  return Buffer.from(fiscalDriveNumber.padEnd(16, 'F'), 'hex');
}
