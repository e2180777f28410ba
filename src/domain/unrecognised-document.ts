/**
 * The ФЛК code of a document the gateway could not decode: stored as raw bytes and acked with 1022 = 11. The gateway
 * writes it, the persist worker and `ofd reprocess` rebuild such documents, and readers show them as `{}` until then.
 */
export const DOC_UNRECOGNISED = 'DOC_UNRECOGNISED';
