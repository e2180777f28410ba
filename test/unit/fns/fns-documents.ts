// Signed documents for the FNS tests: receipts (test/support/kkt.ts) with one property changed, so each of fake-fns's
// answer rules (src/adapters/fns/fake-fns-rules.ts) has a document that triggers it.
import { ascii, receiptChildren, signedMessage, stlv, u8, vln, fvln } from '../../support/kkt.js';

export type ReceiptVariant = 'accepted' | 'payments' | 'items' | 'quarantine' | 'warnings';

const tagOf = (tlv: Buffer) => tlv.readUInt16LE(0);

/** A receipt that fake-fns answers as the variant says. */
export function receiptFor(fn: string, fd: number, variant: ReceiptVariant = 'accepted'): Buffer[] {
  const base = receiptChildren(fn, fd, variant === 'payments' ? { cash: 100 } : {});
  switch (variant) {
    case 'items': {
      const extra = stlv(1059, ascii(1030, 'Cheese'), vln(1079, 100000), fvln(1023, 1, 0), vln(1043, 100000), u8(1199, 6), u8(1212, 1), u8(1214, 4));
      const at = base.findIndex((t) => tagOf(t) === 1020);
      return [...base.slice(0, at), extra, ...base.slice(at)];
    }
    case 'quarantine':
      // 7704211201 with a wrong check digit.
      return base.map((t) => (tagOf(t) === 1018 ? ascii(1018, '7704211202  ') : t));
    case 'warnings':
      return base.filter((t) => tagOf(t) !== 1021);
    default:
      return base;
  }
}

/** The container as stored (the message without its 30-byte session header). */
export function containerFor(fn: string, fd: number, variant: ReceiptVariant = 'accepted'): Buffer {
  return signedMessage({ fn, fd, children: receiptFor(fn, fd, variant) }).subarray(30);
}
