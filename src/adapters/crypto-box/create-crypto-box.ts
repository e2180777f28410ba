import type { CryptoConfig } from '../../config.js';
import { createPkzBox } from '../pkz/pkz-box.js';
import type { CryptoBox } from './crypto-box.js';
import { createDevsignBox, createNoneBox } from './devsign-box.js';

/** The adapter OFD_CRYPTO names (architecture decision 6). */
export function createCryptoBox(c: CryptoConfig): CryptoBox {
  switch (c.mode) {
    case 'devsign':
      return createDevsignBox(c.devsignKey);
    case 'none':
      return createNoneBox(c.devsignKey);
    case 'pkz':
      return createPkzBox({ url: c.pkzUrl });
  }
}
