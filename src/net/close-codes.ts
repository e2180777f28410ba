import { codeTable } from '../domain/errors.js';

/**
 * Gateway-level reasons to close a connection, beside ProtocolError / CryptoError / QueueError codes.
 *
 * - GW_WRONG_LISTENER           A marking (`DD80CAA1`) container on the document port, or the reverse.
 * - GW_WRONG_DIRECTION          A container from the OFD (type 5A) arrived where the FN's (A5) was expected.
 * - GW_FIRST_BYTE_TIMEOUT       Connect → no byte within the first-byte timeout.
 * - GW_MESSAGE_TIMEOUT          First byte of a message → not complete within the message timeout (slow sender).
 * - GW_IDLE_TIMEOUT             No new message within the idle timeout on a kept-alive connection.
 * - GW_PEER_CLOSED_MID_MESSAGE  The peer closed in the middle of a message.
 * - GW_TOO_MANY_CONNECTIONS     The per-address connection cap was reached.
 * - GW_MAX_CONNECTIONS          Every connection slot of the process (both ports, kept below the file-descriptor limit)
 *                               is taken.
 * - GW_WRITE_STALLED            The peer does not read its answers: writes stayed pending beyond the bound for the
 *                               write-stall timeout.
 * - GW_FN_MISMATCH              The session header's FN, the container's FN and the document's tag 1041 do not name the
 *                               same fiscal drive.
 * - GW_OFD_SERVICE_UNPAID       OFD_UNPAID_POLICY=stop and the register's paid service is over: the document is stored,
 *                               but not acknowledged, so the fiscal drive keeps it and sends it again once the service
 *                               is paid.
 */
export const GatewayErrorCodes = codeTable(
  'GW_WRONG_LISTENER',
  'GW_WRONG_DIRECTION',
  'GW_FIRST_BYTE_TIMEOUT',
  'GW_MESSAGE_TIMEOUT',
  'GW_IDLE_TIMEOUT',
  'GW_PEER_CLOSED_MID_MESSAGE',
  'GW_TOO_MANY_CONNECTIONS',
  'GW_MAX_CONNECTIONS',
  'GW_WRITE_STALLED',
  'GW_FN_MISMATCH',
  'GW_OFD_SERVICE_UNPAID',
);
export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];
