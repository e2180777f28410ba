/**
 * The gateway's `Inspect` (src/gateway/handle-message.ts): decode the verified document TLV, read its FFD version, run
 * the ФЛК. On the hot path for every document, so nothing here allocates per call beyond the decoder's JSON, the rule
 * context and the result.
 *
 *   decodes            → recognised, ffd from 1209 (absent → "1.0"), flkCodes = the failed rules' codes, each once
 *   does not decode    → not recognised (acked with 11, stored raw), flkCodes = [the ProtocolError code]
 */
import { decodeDocument, type DecodedDocument } from '../../../protocol/document-json.js';
import { ProtocolError } from '../../../protocol/errors.js';
import type { Inspect, Inspection } from '../handle-message.js';
import { checkDocumentAs, ffdOfDocument } from './check-document.js';
import type { FlkFailure } from './types.js';

/** The decoder threw something other than a ProtocolError: a bug on our side, reported as unrecognised. */
export const DOC_DECODE_INTERNAL = 'DOC_DECODE_INTERNAL';

export interface InspectorOptions {
  /**
   * Told about exceptions that are our bugs rather than the document's: a non-ProtocolError from the decoder, or a rule
   * that threw. The document is still answered — unrecognised, or ФЛК passed — so a bug never blocks a register's queue.
   */
  onInternalError?: (error: unknown, where: 'decode' | 'flk') => void;
}

function codesOf(failures: readonly FlkFailure[]): string[] {
  const codes: string[] = [];
  // Failures arrive grouped by rule (table order), so a repeat is always the previous code.
  for (const f of failures) if (codes[codes.length - 1] !== f.code) codes.push(f.code);
  return codes;
}

/** Tag 1041 (fiscalDriveNumber) as decoded: a string, or absent. */
function fnOf(fields: Record<string, unknown>): string | undefined {
  const v = fields.fiscalDriveNumber;
  return typeof v === 'string' ? v : undefined;
}

export function createInspector(options: InspectorOptions = {}): Inspect {
  const onInternalError = options.onInternalError;
  return function inspect(documentTlv, form, ctx): Inspection {
    let decoded: DecodedDocument;
    try {
      decoded = decodeDocument(documentTlv);
    } catch (e) {
      if (e instanceof ProtocolError) return { recognised: false, ffd: undefined, flkCodes: [e.code] };
      onInternalError?.(e, 'decode');
      return { recognised: false, ffd: undefined, flkCodes: [DOC_DECODE_INTERNAL] };
    }
    const fields = decoded.json[decoded.formName]!;
    const ffd = ffdOfDocument(fields);
    try {
      const result = checkDocumentAs(
        fields,
        { form, fiscalDriveNumber: ctx.fiscalDriveNumber, fiscalDocumentNumber: ctx.fiscalDocumentNumber, receivedAt: ctx.receivedAt },
        ffd,
      );
      return { recognised: true, ffd, flkCodes: result.ok ? [] : codesOf(result.failures), fiscalDriveNumber: fnOf(fields) };
    } catch (e) {
      onInternalError?.(e, 'flk');
      return { recognised: true, ffd, flkCodes: [], fiscalDriveNumber: fnOf(fields) };
    }
  };
}
