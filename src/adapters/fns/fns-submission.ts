/**
 * A stored document → what the FNS receives. Built from the raw container alone (decision 3: the bytes are the truth),
 * so `document` and `rawData` can never disagree, and a decoder fix reaches the FNS without re-processing the rows.
 * The same shape `ofd decode` prints (protocol/message.ts), with rawData beside the document as fns-api.ts says.
 */
import { CONTAINER_HEADER_LENGTH, CONTAINER_TYPE_REQUEST, decodeContainer, messageFiscalSign } from '../../../protocol/container.js';
import { decodeDocument } from '../../../protocol/document-json.js';
import { toJsonValue } from '../../domain/json-value.js';
import { FnsError, FnsErrorCodes } from './errors.js';
import type { FnsDocumentSubmission } from './fns-api.js';

/** The submission for the stored container of (fn, fd); FNS_DOCUMENT_UNDECODABLE when the bytes do not decode or do not match. */
export function buildSubmission(fn: string, fd: number, rawContainer: Buffer): FnsDocumentSubmission {
  let formName: string;
  let fields: Record<string, unknown>;
  let sign: string;
  try {
    const container = decodeContainer(rawContainer);
    if (container.header.fiscalDriveNumber !== fn || container.header.fiscalDocumentNumber !== fd) {
      throw new Error(`container is (${container.header.fiscalDriveNumber}, ${container.header.fiscalDocumentNumber})`);
    }
    if (container.header.containerType !== CONTAINER_TYPE_REQUEST) throw new Error('not an FN → OFD container');
    const decoded = decodeDocument(container.document);
    formName = decoded.formName;
    fields = decoded.json[decoded.formName] as Record<string, unknown>;
    sign = messageFiscalSign(container.messageSign);
  } catch (e) {
    throw new FnsError(FnsErrorCodes.FNS_DOCUMENT_UNDECODABLE, `stored document (${fn}, ${fd}) does not decode: ${(e as Error).message}`, {
      requestSent: false,
      cause: e,
    });
  }
  // Plain JSON values — 64-bit values beyond 2^53 as decimal strings (fns-api.ts), like messageFiscalSign — without a
  // JSON text round trip: src/domain/json-value.ts. Its copy is the body (no spread copy before it).
  const body = toJsonValue(fields) as Record<string, unknown>;
  body['messageFiscalSign'] = sign;
  return {
    fn,
    fd,
    document: { [formName]: body },
    rawData: rawContainer.subarray(CONTAINER_HEADER_LENGTH).toString('base64'),
  };
}
