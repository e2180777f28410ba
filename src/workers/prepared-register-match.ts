/**
 * The facts of a registration report a prepared register is matched by (the matching itself, SQL, is
 * src/db/prepared-register-match.repository.ts).
 */
import type { FieldObject } from '../../protocol/document-json.js';
import type { RegistrationFacts } from '../db/prepared-register-match.repository.js';
import { str, validInn } from './persist-derive.js';

/** The facts of a registration report, or undefined for any other document. */
export function registrationFacts(fields: FieldObject | undefined, registerId: number | undefined): RegistrationFacts | undefined {
  if (!fields || registerId === undefined || str(fields, 'ofdInn') === null) return undefined;
  const serial = str(fields, 'kktNumber');
  const fn = str(fields, 'fiscalDriveNumber');
  const inn = validInn(fields);
  if (serial === null || fn === null || inn === null) return undefined;
  return { serial, fn, inn, registerId };
}
