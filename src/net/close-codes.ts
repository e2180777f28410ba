/** Gateway-level reasons to close a connection, beside ProtocolError / CryptoError / QueueError codes. */
export const GatewayErrorCodes = {
  /** A marking (`DD80CAA1`) container on the document port, or the reverse. */
  GW_WRONG_LISTENER: 'GW_WRONG_LISTENER',
  /** A container from the OFD (type 5A) arrived where the FN's (A5) was expected. */
  GW_WRONG_DIRECTION: 'GW_WRONG_DIRECTION',
  /** Connect → no byte within the first-byte timeout. */
  GW_FIRST_BYTE_TIMEOUT: 'GW_FIRST_BYTE_TIMEOUT',
  /** First byte of a message → not complete within the message timeout (slow sender). */
  GW_MESSAGE_TIMEOUT: 'GW_MESSAGE_TIMEOUT',
  /** No new message within the idle timeout on a kept-alive connection. */
  GW_IDLE_TIMEOUT: 'GW_IDLE_TIMEOUT',
  /** The peer closed in the middle of a message. */
  GW_PEER_CLOSED_MID_MESSAGE: 'GW_PEER_CLOSED_MID_MESSAGE',
  /** The per-address connection cap was reached. */
  GW_TOO_MANY_CONNECTIONS: 'GW_TOO_MANY_CONNECTIONS',
  /** Every connection slot of the process (both ports, kept below the file-descriptor limit) is taken. */
  GW_MAX_CONNECTIONS: 'GW_MAX_CONNECTIONS',
  /** The peer does not read its answers: writes stayed pending beyond the bound for the write-stall timeout. */
  GW_WRITE_STALLED: 'GW_WRITE_STALLED',
  /** The session header's FN, the container's FN and the document's tag 1041 do not name the same fiscal drive. */
  GW_FN_MISMATCH: 'GW_FN_MISMATCH',
  /**
   * OFD_UNPAID_POLICY=stop and the register's paid service is over: the document is stored, but not acknowledged, so
   * the fiscal drive keeps it and sends it again once the service is paid.
   */
  GW_OFD_SERVICE_UNPAID: 'GW_OFD_SERVICE_UNPAID',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];
