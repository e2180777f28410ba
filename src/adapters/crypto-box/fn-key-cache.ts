/**
 * K_fn derivation costs an HMAC; a register sends many documents, so keys are cached per FN. Bounded: the oldest entry
 * goes when the cache is full (a Map iterates in insertion order), so a scan of made-up FN numbers cannot grow memory.
 */
import { deriveFnKey } from '../../../protocol/devsign.js';

export class FnKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly masterKey: string | Buffer,
    private readonly maxEntries = 100_000,
  ) {}

  get(fiscalDriveNumber: string): Buffer {
    let k = this.keys.get(fiscalDriveNumber);
    if (!k) {
      k = deriveFnKey(this.masterKey, fiscalDriveNumber);
      if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(fiscalDriveNumber, k);
    }
    return k;
  }
}
