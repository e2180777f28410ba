/**
 * The crypto box port (architecture decision 6). A real OFD verifies fiscal signs and signs its acknowledgements inside
 * certified hardware (ПКЗ); the gateway only talks to it through this interface (protocol.md §2.3).
 *
 * Adapters: `devsign` (the §7 profile, in process), `none` (accepts documents unverified — for replaying real captures
 * without their keys), `pkz` (HTTP client of an external crypto box; `ofd fake-pkz` plays one).
 */
import { codeTable, CodedError, type CodeOf } from '../../domain/errors.js';
import type { AckFields } from '../../../protocol/ack.js';
import type { Container } from '../../../protocol/container.js';

export type CryptoMode = 'devsign' | 'none' | 'pkz';
export type SignStatus = 'verified' | 'unverified';

export interface UnwrapRequest {
  /** FN number from the session header, padding removed: the key selector (§7). */
  fiscalDriveNumber: string;
  container: Container;
}

export interface UnwrapResult {
  /** The plaintext document TLV (decrypted when the register encrypts). */
  document: Buffer;
  signStatus: SignStatus;
}

export interface SignedAck {
  /** The form-7 TLV with its ФПО (1078) in place. */
  ackTlv: Buffer;
  /** ФПП: the 8-byte reply message sign. */
  messageSign: Buffer;
  /** Service data 2a of the reply container (8 bytes). */
  serviceData2a: Buffer;
}

export interface CryptoBox {
  readonly mode: CryptoMode;
  /** Verifies the request's ФПД and ФПС. Throws `SignError` when they do not verify: no valid ack can be made. */
  unwrap(req: UnwrapRequest): Promise<UnwrapResult>;
  /** Signs an acknowledgement for the FN. */
  signAck(fiscalDriveNumber: string, fields: AckFields): Promise<SignedAck>;
  close(): Promise<void>;
}

/**
 * - SIGN_INVALID        ФПД or ФПС does not verify.
 * - CRYPTO_UNAVAILABLE  The external crypto box did not answer, or answered nonsense: retryable by the register.
 */
export const CryptoErrorCodes = codeTable('SIGN_INVALID', 'CRYPTO_UNAVAILABLE');
export type CryptoErrorCode = CodeOf<typeof CryptoErrorCodes>;

export class CryptoError extends CodedError<CryptoErrorCode> {
  override readonly name = 'CryptoError';
}
