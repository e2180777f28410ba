/**
 * The receipt's FNS QR string as a real image (the `qrcode` package for the symbol): PNG for e-mail (mail clients show
 * PNG, few show SVG or data: URIs) and SVG for web pages. Error correction M, as registers print it.
 *
 * The PNG is written here, one bit per pixel, rather than by `qrcode`'s renderer (pngjs: four bytes per pixel, every
 * row filtered five ways to pick the best, deflate level 9): `npm run bench:receipt-qr`, 2.8 ms of CPU per e-receipt
 * there, 0.54 ms here, half of it `qrcode` making the symbol; 486 bytes instead of 1 719. A QR code is two colours, so
 * a 1-bit greyscale PNG loses nothing.
 */
import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';

/** Pixels per module and modules of quiet zone around the symbol (the spec asks for 4; 2 as before, enough on screen). */
const SCALE = 5;
const MARGIN = 2;

export async function qrPng(text: string): Promise<Buffer> {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Promise.resolve(onePixelPerBitPng(modules.size, (x, y) => modules.get(y, x) === 1));
}

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: MARGIN });
}

export function dataUri(contentType: string, bytes: Buffer | string): string {
  return `data:${contentType};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** A 1-bit greyscale PNG of a `size` × `size` symbol, `dark(x, y)` per module, scaled and with its quiet zone. */
export function onePixelPerBitPng(size: number, dark: (x: number, y: number) => boolean): Buffer {
  const width = (size + 2 * MARGIN) * SCALE;
  const rowBytes = 1 + Math.ceil(width / 8); // the filter byte (0: none), then the pixels, most significant bit first
  const raw = Buffer.alloc(rowBytes * width, 0);
  for (let py = 0; py < width; py++) {
    const row = py * rowBytes;
    const y = Math.floor(py / SCALE) - MARGIN;
    for (let px = 0; px < width; px++) {
      const x = Math.floor(px / SCALE) - MARGIN;
      const white = x < 0 || y < 0 || x >= size || y >= size || !dark(x, y);
      if (white) raw[row + 1 + (px >> 3)]! |= 0x80 >> (px & 7);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter method variants, no interlace
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
