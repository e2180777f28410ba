// Image banners of branded e-receipts: the picture checks on real files made outside the code under test — a PNG by
// pngjs, a JPEG by Chromium's canvas encoder (below, as it came out), a GIF written here byte by byte —, the banner's
// validation, and where the picture lands in the e-mail (an inline cid: part) and on the receipt page (a data: URI).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { brandInputSchema, DEFAULT_BRAND, type Brand, type BannerImage } from '../../../src/domain/brand.js';
import { bannerDisplaySize, checkBannerImage, checkLogo } from '../../../src/branding/logo.js';
import { bannerCid, brandedReceiptEmail, brandedReceiptPage, receiptPlainText } from '../../../src/branding/branded-receipt.js';
import { CHROMIUM_JPEG, solidGif } from '../../support/images.js';

/** A w×h PNG; `noise` fills it with pseudo-random pixels that barely compress (a deterministic LCG). */
function png(width: number, height: number, noise = false): Buffer {
  const p = new PNG({ width, height });
  let seed = 12345;
  for (let i = 0; i < p.data.length; i += 4) {
    if (noise) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      p.data.set([seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff, 255], i);
    } else p.data.set([200, 40, 30, 255], i);
  }
  return PNG.sync.write(p);
}

describe('banner pictures', () => {
  it('takes real PNG, JPEG and GIF files with their size in pixels', () => {
    expect(checkBannerImage(png(600, 200), 'image/png')).toMatchObject({ contentType: 'image/png', width: 600, height: 200 });
    expect(checkBannerImage(CHROMIUM_JPEG, 'image/jpeg')).toMatchObject({ contentType: 'image/jpeg', width: 24, height: 12 });
    expect(checkBannerImage(solidGif(20, 10, [0x20, 0x40, 0xe0]))).toMatchObject({ contentType: 'image/gif', width: 20, height: 10 });
  });

  it('refuses more than 300 KB, more than 1200×1200 px, a type the bytes contradict and what is no picture', () => {
    const noisy = png(400, 300, true);
    expect(noisy.length).toBeGreaterThan(300 * 1024);
    expect(checkBannerImage(noisy, 'image/png')).toMatchObject({ issue: 'too_big' });
    expect(checkBannerImage(png(1201, 10), 'image/png')).toMatchObject({ issue: 'too_large_dimensions' });
    expect(checkBannerImage(solidGif(10, 1201, [0, 0, 0]))).toMatchObject({ issue: 'too_large_dimensions' });
    expect(checkBannerImage(png(1200, 1200), 'image/png')).toMatchObject({ width: 1200, height: 1200 });
    expect(checkBannerImage(CHROMIUM_JPEG, 'image/png')).toMatchObject({ issue: 'type_mismatch' });
    expect(checkBannerImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png')).toMatchObject({ issue: 'invalid_format' });
    expect(checkBannerImage(CHROMIUM_JPEG.subarray(0, 100), 'image/jpeg')).toMatchObject({ issue: 'invalid_format' });
  });

  it('has its own limits: a 1200×1200 picture is too large for a logo (1200×600)', () => {
    expect(checkLogo(png(1200, 1200), 'image/png')).toMatchObject({ issue: 'too_large_dimensions' });
  });

  it('is shown across the 552-px column at most, proportions kept, never enlarged', () => {
    expect(bannerDisplaySize({ width: 1104, height: 368 })).toEqual({ width: 552, height: 184 });
    expect(bannerDisplaySize({ width: 1200, height: 1200 })).toEqual({ width: 552, height: 552 });
    expect(bannerDisplaySize({ width: 300, height: 100 })).toEqual({ width: 300, height: 100 });
  });
});

describe('a banner in the brand', () => {
  const ok = { primaryColor: '#aabbcc', accentColor: '#000000', backgroundColor: '#ffffff' };
  const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

  it('is a picture, a title or both, always with an http(s) link', () => {
    expect(brandInputSchema.parse({ ...ok, banners: [{ url: 'https://shop.example/a', imageId: id, alt: ' Осенняя распродажа ' }] }).banners).toEqual([
      { title: '', text: '', url: 'https://shop.example/a', alt: 'Осенняя распродажа', imageId: id },
    ]);
    expect(brandInputSchema.parse({ ...ok, banners: [{ title: 'Акция', url: 'https://shop.example' }] }).banners[0]).toMatchObject({ imageId: null, alt: '' });
    const empty = brandInputSchema.safeParse({ ...ok, banners: [{ title: ' ', url: 'https://shop.example' }] });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues.map((i) => i.path.join('.'))).toEqual(['banners.0.title']);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ imageId: id, url: 'javascript:alert(1)' }] }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ imageId: 'not-an-id', url: 'https://shop.example' }] }).success).toBe(false);
    expect(brandInputSchema.safeParse({ ...ok, banners: [{ imageId: id, url: 'https://shop.example', alt: 'a\u0000' }] }).success).toBe(false);
  });
});

describe('a picture banner in the receipt', () => {
  const picture = png(1104, 368);
  const image: BannerImage = { id: 'x', contentType: 'image/png', data: picture, width: 1104, height: 368 };
  const brand: Brand = {
    ...DEFAULT_BRAND,
    banners: [
      { title: 'Текстовый', text: 'без картинки', url: 'https://shop.example/t', alt: '', image: null },
      { title: '', text: '', url: 'https://shop.example/sale?a=1&b=2', alt: 'Скидки "до 50%"', image },
    ],
  };
  const receipt = { formName: 'receipt', doc: { fiscalDocumentNumber: 7, user: 'ООО Тест', totalSum: 100 }, qr: null };

  it('goes in the e-mail as an inline part, an <img> with its size and alt text inside the banner link', async () => {
    const mail = await brandedReceiptEmail(receipt, brand);
    const part = mail.attachments?.find((a) => a.cid === bannerCid(1));
    expect(bannerCid(1)).toBe('brand-banner-2@ofd');
    expect(part).toMatchObject({ filename: 'banner-2.png', contentType: 'image/png', cid: 'brand-banner-2@ofd' });
    expect(Buffer.compare(part!.content as Buffer, picture)).toBe(0);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.html).toContain(
      '<a href="https://shop.example/sale?a=1&amp;b=2" target="_blank" rel="noopener" style="display:block;text-decoration:none" data-brand="banner-image-link">' +
        '<img src="cid:brand-banner-2@ofd" width="552" height="184" alt="Скидки &quot;до 50%&quot;"',
    );
    // The text banner stays a coloured block; the picture-only one has no empty block under it.
    expect(mail.html?.match(/data-brand="banner"/g)).toHaveLength(1);
    expect(receiptPlainText(receipt, brand)).toContain('Скидки "до 50%": https://shop.example/sale?a=1&b=2');
  });

  it('is a data: URI on the receipt page', async () => {
    const page = await brandedReceiptPage(receipt, brand);
    expect(page).toContain(`<img src="data:image/png;base64,${picture.toString('base64')}" width="552" height="184"`);
  });
});
