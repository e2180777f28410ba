/**
 * A document TLV (§2.2: one TLV whose tag is the form code) ⇄ FNS JSON (§9), for every form of §4 and FFD 1.0 – 1.2.
 *
 * Shape: `{ "<formName>": { code: <form>, ...fields } }`, fields named by the tag dictionary (protocol/tags), values as
 * in values.ts. Beyond that:
 * - STLVs are objects. Repeatable tags (TSV `repeatable`, e.g. 1059 `items`) are always arrays. A tag the dictionary
 *   says occurs once but that occurs several times becomes an array too, so nothing is lost; the encoder writes any array
 *   as repeated TLVs.
 * - `fiscalSign` (1077) is the printed number (§5.1). The raw 6 bytes of the document-level 1077 come back beside the
 *   JSON (`fiscalSignRaw`); the encoder writes `[type][04]` from `EncodeOptions.fiscalSignPrefix`, default `21 04`.
 * - Raw tags: a tag that is not in the dictionary, has no FNS name, or whose name under this parent would mean another
 *   tag (e.g. 1201 at document level, where `totalSum` is 1020 — §5) is kept as `tlv<tag>` (decimal, e.g. `tlv1058`)
 *   with its value in base64; repeated, an array of those. The encoder writes `tlv<tag>` keys back byte for byte.
 * - Order: the decoder takes tags in any order; keys appear in first-occurrence order, and the encoder writes fields in
 *   key order. So encode(decode(x)) = x whenever x keeps repeated tags together and its values are canonical (minimal
 *   VLN, full-width padded strings) — true of what this encoder writes, and of the captured documents we have.
 * - `code` is the form; `messageFiscalSign` and `rawData` (container level, §9) are left to the container code: they may
 *   be present and the encoder skips them, with the other metadata fields in IGNORED_DOCUMENT_FIELDS.
 *
 * The decoder (document-json/decode.ts), its runtime shape compiler (document-json/shape.ts) and the encoder
 * (document-json/encode.ts) live apart; this module is their one entry point.
 */
export {
  IGNORED_DOCUMENT_FIELDS,
  MAX_STLV_DEPTH,
  TAG_FISCAL_SIGN,
  type DecodedDocument,
  type DocumentFields,
  type EncodeOptions,
  type FieldObject,
  type FieldValue,
  type FnsDocument,
  fieldObjects,
} from './document-json/fields.js';
export { decodeDocument, decodeFields } from './document-json/decode.js';
export { encodeDocument, encodeDocumentFields } from './document-json/encode.js';
