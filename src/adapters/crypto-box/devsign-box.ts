/** `devsign` crypto box: verifies and signs with the §7 profile in process (node:crypto on the hot path). */
import { encodeAckDocument, type AckFields } from '../../../protocol/ack.js';
import { computeFpo, computeFpp, DEVSIGN_SERVICE_DATA_2A, verifyDocumentSigns } from '../../../protocol/devsign.js';
import { CryptoError, type CryptoBox, type SignedAck, type UnwrapRequest, type UnwrapResult } from './crypto-box.js';
import { FnKeyCache } from './fn-key-cache.js';

/** Signs an ack with the devsign profile; shared by the `devsign` and `none` boxes and by `ofd fake-pkz`. */
export function devsignAck(keys: FnKeyCache, fiscalDriveNumber: string, fields: AckFields): SignedAck {
  const k = keys.get(fiscalDriveNumber);
  const ackTlv = encodeAckDocument(fields, computeFpo(k, encodeAckDocument(fields)));
  return { ackTlv, messageSign: computeFpp(k, ackTlv), serviceData2a: DEVSIGN_SERVICE_DATA_2A };
}

/** Verifies a request's ФПД and ФПС with the devsign profile; throws SIGN_INVALID naming the sign that failed. */
export function devsignVerify(keys: FnKeyCache, req: UnwrapRequest): void {
  const check = verifyDocumentSigns(keys.get(req.fiscalDriveNumber), req.container.document, req.container.messageSign);
  if (!check.fiscalSignValid || !check.messageSignValid) {
    const which = [!check.fiscalSignValid && 'ФПД (1077)', !check.messageSignValid && 'ФПС (trailer)'].filter(Boolean).join(' and ');
    throw new CryptoError('SIGN_INVALID', `${which} do(es) not verify under devsign for FN ${req.fiscalDriveNumber}`);
  }
}

export function createDevsignBox(masterKey: string | Buffer): CryptoBox {
  const keys = new FnKeyCache(masterKey);
  return {
    mode: 'devsign',
    async unwrap(req: UnwrapRequest): Promise<UnwrapResult> {
      devsignVerify(keys, req);
      return { document: req.container.document, signStatus: 'verified' };
    },
    async signAck(fn, fields) {
      return devsignAck(keys, fn, fields);
    },
    async close() {},
  };
}

/**
 * `none`: documents are accepted unverified and marked so (replaying real captures whose keys live in a real FN).
 * Acks are still signed with devsign — a real FN would reject them anyway, and the emulator can check them.
 */
export function createNoneBox(masterKey: string | Buffer): CryptoBox {
  const keys = new FnKeyCache(masterKey);
  return {
    mode: 'none',
    async unwrap(req) {
      return { document: req.container.document, signStatus: 'unverified' };
    },
    async signAck(fn, fields) {
      return devsignAck(keys, fn, fields);
    },
    async close() {},
  };
}
