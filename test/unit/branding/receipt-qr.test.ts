// The e-mail's QR PNG is written by receipt-qr.ts (1 bit per pixel). Checked against two independent readings: the
// pixels equal those of `qrcode`'s own PNG renderer at the same scale and margin (both decoded by pngjs), and jsqr
// reads the FNS string back from it.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type { QRCode as JsQrCode } from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrPng } from '../../../src/branding/receipt-qr.js';

// jsqr is CommonJS whose typings declare an ES default export: required, typed by its declaration.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => JsQrCode | null;

const fnsString = fc
  .record({
    sum: fc.integer({ min: 1, max: 99_999_999 }),
    fd: fc.integer({ min: 1, max: 4_294_967_295 }),
    fp: fc.integer({ min: 0, max: 4_294_967_295 }),
    n: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ sum, fd, fp, n }) => `t=20261206T1234&s=${(sum / 100).toFixed(2)}&fn=9999078900001234&i=${fd}&fp=${fp}&n=${n}`);

describe('qrPng', () => {
  it('draws the same pixels as qrcode’s own PNG renderer, and jsqr reads the string back', async () => {
    await fc.assert(
      fc.asyncProperty(fnsString, async (text) => {
        const ours = PNG.sync.read(await qrPng(text));
        const reference = PNG.sync.read(await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 5 }));
        expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
        expect(Buffer.compare(ours.data, reference.data)).toBe(0);
        expect(jsQR(new Uint8ClampedArray(ours.data), ours.width, ours.height)?.data).toBe(text);
      }),
      { numRuns: 25 },
    );
  });

  it('is a 1-bit greyscale PNG, smaller than the renderer’s', async () => {
    const text = 't=20261206T1234&s=1500.00&fn=9999078900001234&i=42&fp=3522207165&n=1';
    const png = await qrPng(text);
    expect(png.subarray(24, 26)).toEqual(Buffer.from([1, 0])); // IHDR: bit depth 1, colour type 0
    expect(png.length).toBeLessThan((await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 5 })).length);
  });
});
