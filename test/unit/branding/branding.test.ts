// Pure parts of branded e-receipts: what an uploaded logo is (from hand-made headers of each format), the brand's
// validation, the text colour on a brand colour (WCAG luminance, computed here by hand for the cases), short codes.
import { describe, expect, it } from 'vitest';
import { brandInputSchema, textColorOn } from '../../../src/domain/brand.js';
import { checkLogo, logoDisplaySize, sniffImage } from '../../../src/branding/logo.js';
import { newShortCode, SHORT_CODE_PATTERN } from '../../../src/db/short-links.repository.js';

function pngHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

/** SOI, an APP0 segment to skip, then SOF0: length, precision, height, width (big-endian). */
function jpegHeader(width: number, height: number, sof = 0xc0): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const frame = Buffer.from([0xff, sof, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, frame]);
}

function gifHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

describe('logo checks', () => {
  it('tells PNG, JPEG (baseline and progressive) and GIF by their bytes, with their size in pixels', () => {
    expect(sniffImage(pngHeader(320, 96))).toEqual({ contentType: 'image/png', width: 320, height: 96 });
    expect(sniffImage(jpegHeader(640, 200))).toEqual({ contentType: 'image/jpeg', width: 640, height: 200 });
    expect(sniffImage(jpegHeader(641, 201, 0xc2))).toEqual({ contentType: 'image/jpeg', width: 641, height: 201 });
    expect(sniffImage(gifHeader(100, 50))).toEqual({ contentType: 'image/gif', width: 100, height: 50 });
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0x00]))).toBeUndefined();
  });

  it('refuses a type that does not match the bytes, too many bytes or pixels; an untyped upload is typed by its bytes', () => {
    expect(checkLogo(pngHeader(10, 10), 'image/jpeg')).toMatchObject({ issue: 'type_mismatch' });
    expect(checkLogo(Buffer.concat([pngHeader(10, 10), Buffer.alloc(256 * 1024)]), 'image/png')).toMatchObject({ issue: 'too_big' });
    expect(checkLogo(pngHeader(1201, 10), 'image/png')).toMatchObject({ issue: 'too_large_dimensions' });
    expect(checkLogo(pngHeader(0, 10), 'image/png')).toMatchObject({ issue: 'too_large_dimensions' });
    expect(checkLogo(gifHeader(100, 50))).toMatchObject({ contentType: 'image/gif', width: 100, height: 50 });
    expect(checkLogo(pngHeader(100, 50), 'image/png; charset=binary')).toMatchObject({ contentType: 'image/png' });
  });

  it('shows a logo at most 200×60, proportions kept, never enlarged', () => {
    expect(logoDisplaySize({ width: 1200, height: 300 })).toEqual({ width: 200, height: 50 });
    expect(logoDisplaySize({ width: 300, height: 600 })).toEqual({ width: 30, height: 60 });
    expect(logoDisplaySize({ width: 80, height: 40 })).toEqual({ width: 80, height: 40 });
  });
});

describe('the brand', () => {
  const ok = { primaryColor: '#AABBCC', accentColor: '#000000', backgroundColor: '#ffffff' };

  it('normalises colours and fills the optional texts', () => {
    expect(brandInputSchema.parse(ok)).toEqual({ primaryColor: '#aabbcc', accentColor: '#000000', backgroundColor: '#ffffff', headerText: '', footerText: '', banners: [] });
  });

  it('refuses control characters, links that are not http(s) or carry credentials, and unknown fields', () => {
    expect(brandInputSchema.safeParse({ ...ok, headerText: 'a\u0007b' }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, footerText: 'line 1\nline 2' }).success).toBe(true);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ title: 't', url: 'data:text/html,x' }] }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ title: 't', url: 'https://user:pw@shop.example' }] }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ title: '  ', url: 'https://shop.example' }] }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, logo: 'x' }).success).toBe(false);
  });

  it('writes black on light colours and white on dark ones', () => {
    // Relative luminance: white 1, black 0, #777777 ≈ 0.184 (just above the 0.179 crossover), #767676 ≈ 0.181, #707070 ≈ 0.162.
    expect(textColorOn('#ffffff')).toBe('#000000');
    expect(textColorOn('#000000')).toBe('#ffffff');
    expect(textColorOn('#777777')).toBe('#000000');
    expect(textColorOn('#707070')).toBe('#ffffff');
    expect(textColorOn('#ffff00')).toBe('#000000');
    expect(textColorOn('#0000ff')).toBe('#ffffff');
  });
});

describe('short codes', () => {
  it('are 12 letters of the unambiguous alphabet, each different', () => {
    const codes = Array.from({ length: 2000 }, newShortCode);
    expect(codes.every((c) => SHORT_CODE_PATTERN.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.join('')).not.toMatch(/[0O1l]/);
  });
});
