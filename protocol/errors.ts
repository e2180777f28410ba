/**
 * Every failure the wire format can report. Codes are stable: tests, metrics labels and the CLI print them.
 */
export const ProtocolErrorCodes = {
  /** Session header signature / S-version pair is not one we serve (§1.1). */
  PROTO_BAD_SIGNATURE: 'PROTO_BAD_SIGNATURE',
  /** Flags use a forbidden combination (CRC mode 11, reply mode 10/11) (§1.2). */
  PROTO_BAD_FLAGS: 'PROTO_BAD_FLAGS',
  /** Announced body length exceeds the configured cap (§1.4). */
  PROTO_FRAME_TOO_LARGE: 'PROTO_FRAME_TOO_LARGE',
  /** Session or container CRC does not match (§1.3, §2.1). */
  PROTO_BAD_CRC: 'PROTO_BAD_CRC',
  /** Input ended inside a structure. */
  PROTO_TRUNCATED: 'PROTO_TRUNCATED',
  /** Container header fields disagree with each other or with the session header (§2). */
  PROTO_BAD_CONTAINER: 'PROTO_BAD_CONTAINER',
  /** FN number is neither 16 BCD digits nor F-padded (§2.1). */
  PROTO_BAD_FN: 'PROTO_BAD_FN',
  /** A TLV header announces more bytes than its parent holds (§5). */
  TLV_TRUNCATED: 'TLV_TRUNCATED',
  /** A value is longer than the dictionary allows for its tag (§5, ffd-tags.tsv max_len). */
  TLV_TOO_LONG: 'TLV_TOO_LONG',
  /** A value cannot be read as its dictionary type (e.g. a 3-byte uint32). */
  TLV_BAD_VALUE: 'TLV_BAD_VALUE',
  /** A JSON document cannot be encoded: unknown field, wrong type, out-of-range value. */
  JSON_BAD_DOCUMENT: 'JSON_BAD_DOCUMENT',
  /** Fiscal signs do not verify under the signing profile (§7). */
  SIGN_MISMATCH: 'SIGN_MISMATCH',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCodes)[keyof typeof ProtocolErrorCodes];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** Byte offset in the input where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}
