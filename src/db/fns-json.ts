/**
 * The FNS JSON of a stored document, derived from its raw container on read (issue 12: no stored copy of what the raw
 * bytes say). Decoding a receipt takes ≈ 10 µs; storing its JSON cost ≈ 2–3 KB per document.
 *
 * The result is exactly what the persist worker used to store in `documents.fns_json` (src/workers/persist/derive.ts):
 * `{"<formName>": {...fields, "messageFiscalSign": "<ФПС>"}}`, values beyond 2^53 as decimal strings, `{}` for a
 * document stored unrecognised. "Unrecognised" is the verdict given when the document was stored or last rebuilt: a
 * document the gateway flagged DOC_UNRECOGNISED reads as `{}` until `ofd reprocess` rebuilds it (its reprocessed_at
 * is then set), as before — a decoder change alone does not silently change what such a document shows.
 */
import { decodeContainer, messageFiscalSign } from '../../protocol/container.js';
import { decodeDocument } from '../../protocol/document-json.js';
import type { JsonObject } from './column-types.js';
import { toJsonValue } from '../domain/json-value.js';
import { unpackRawContainer, type PackedRawContainer } from './raw-container.js';
import { DOC_UNRECOGNISED } from '../domain/unrecognised-document.js';


/** What the reader needs of a stored document. */
export interface FnsJsonSource {
  /** As the row holds it, with its raw_codec (src/db/raw-container.ts). */
  readonly raw_container: PackedRawContainer | Buffer;
  readonly raw_codec: number | null;
  readonly flk_codes?: readonly string[] | null;
  readonly reprocessed_at?: Date | null;
}

/** The stored document's FNS JSON (see the file comment); `{}` when it was stored unrecognised or does not decode. */
export function storedFnsJson(source: FnsJsonSource): JsonObject {
  const unrecognised = (source.flk_codes ?? []).includes(DOC_UNRECOGNISED) && !source.reprocessed_at;
  if (unrecognised) return {};
  // Outside the try: a row that does not unpack is damaged storage (or a newer codec), not an undecodable document.
  const raw = unpackRawContainer(source.raw_container, source.raw_codec);
  try {
    const container = decodeContainer(raw);
    const decoded = decodeDocument(container.document);
    const fields = decoded.json[decoded.formName]!;
    // As the stored jsonb was read back: bigints become decimal strings, undefined fields vanish (without the JSON text
    // round trip this once was, which cost three decodes' worth: src/domain/json-value.ts). Its copy is the body.
    const body = toJsonValue(fields) as JsonObject;
    body['messageFiscalSign'] = messageFiscalSign(container.messageSign);
    return { [decoded.formName]: body };
  } catch {
    return {};
  }
}
