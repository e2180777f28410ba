// Image banners of the e-receipt brand through the API on real PostgreSQL: the cabinet's way (upload, preview by id,
// save the banner naming it) and a script's (put or take a picture on a saved banner), refused uploads that leave no
// row behind, pictures deleted with the banner that named them, another organization's pictures out of reach, and the
// saved picture in the e-mail HTML as an inline part inside the banner's link.
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandedReceiptEmail } from '../../../src/branding/branded-receipt.js';
import { loadBrand } from '../../../src/db/receipt-brands.repository.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { CHROMIUM_JPEG, solidGif } from '../../support/images.js';
import { addMember, apiKey, asOperator, bearer, createOrganization, json, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
let org: number;
let other: number;
/** The other organization's owner (a cabinet user). */
let otherOwner: string;
/** This organization's API key: it reads the brand, never changes it. */
let ownKey: string;

interface BrandJson {
  banners: Array<{ title: string; url: string; alt: string; imageId: string | null; image: { id: string; contentType: string; width: number; height: number; bytes: number } | null }>;
}
type Issue = { path: string; issue: string };

function png(width: number, height: number, noise = false): Buffer {
  const p = new PNG({ width, height });
  let seed = 7;
  for (let i = 0; i < p.data.length; i += 4) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    p.data.set(noise ? [seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff, 255] : [30, 160, 90, 255], i);
  }
  return PNG.sync.write(p);
}

const base = (id: number) => `/api/v1/organizations/${id}/receipt-brand`;
const BRAND = { primaryColor: '#203040', accentColor: '#e05020', backgroundColor: '#ffffff', headerText: 'Магазин', footerText: '' };

const upload = (body: Buffer, type: string, id = org, headers: Record<string, string> = asOperator) =>
  h.app.inject({ method: 'POST', url: `${base(id)}/banner-images`, headers: { ...headers, 'content-type': type }, payload: body });

async function rows(id = org): Promise<string[]> {
  const r = await h.database.db.selectFrom('receipt_brand_banner_images').select('id').where('organization_id', '=', id).orderBy('created_at').execute();
  return r.map((x) => x.id);
}

beforeAll(async () => {
  h = await startApi();
  org = await createOrganization(h, withInnCheckDigits('770300101'), 'ООО Баннер');
  other = await createOrganization(h, withInnCheckDigits('770300102'), 'ООО Чужая');
  otherOwner = (await userToken(h, 'owner@other.example')).token;
  await addMember(h, other, 'owner@other.example', 'owner');
  ownKey = (await apiKey(h, org)).key;
});
afterAll(() => h?.close());

describe('banner pictures through the API', () => {
  let picture: Buffer;
  let imageId: string;

  it('refuses a picture that is too big, not a picture, of the wrong type or too large in pixels — storing nothing', async () => {
    const issue = async (r: Awaited<ReturnType<typeof upload>>) => {
      expect(r.statusCode).toBe(400);
      const b = json<{ code: string; details: Issue[] }>(r);
      expect(b.code).toBe('VALIDATION_FAILED');
      expect(b.details[0]!.path).toBe('body');
      return b.details[0]!.issue;
    };
    const noisy = png(400, 300, true);
    expect(noisy.length).toBeGreaterThan(300 * 1024);
    expect(await issue(await upload(noisy, 'image/png'))).toBe('too_big');
    expect(await issue(await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/png'))).toBe('invalid_format');
    expect(await issue(await upload(CHROMIUM_JPEG, 'image/gif'))).toBe('type_mismatch');
    expect(await issue(await upload(solidGif(1300, 2, [0, 0, 0]), 'image/gif'))).toBe('too_large_dimensions');
    expect((await upload(png(10, 10), 'image/svg+xml')).statusCode).toBe(415);
    expect(await rows()).toEqual([]);
  });

  it('uploads a picture, previews it by its id before anything is saved, and saves a picture-only banner', async () => {
    picture = png(1104, 368);
    const up = await upload(picture, 'image/png');
    expect(up.statusCode).toBe(201);
    const info = json<{ id: string; contentType: string; width: number; height: number; bytes: number }>(up);
    expect(info).toEqual({ id: expect.any(String), contentType: 'image/png', width: 1104, height: 368, bytes: picture.length });
    imageId = info.id;

    const banners = [
      { url: 'https://shop.example/sale', imageId, alt: 'Распродажа' },
      { title: 'Программа лояльности', url: 'https://shop.example/card' },
    ];
    const preview = await h.app.inject({ method: 'POST', url: `${base(org)}/preview`, headers: asOperator, payload: { brand: { ...BRAND, banners } } });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain(`<img src="data:image/png;base64,${picture.toString('base64')}" width="552" height="184" alt="Распродажа"`);
    expect(json<BrandJson>(await h.app.inject({ method: 'GET', url: base(org), headers: asOperator })).banners).toEqual([]);

    const put = await h.app.inject({ method: 'PUT', url: base(org), headers: asOperator, payload: { ...BRAND, banners } });
    expect(put.statusCode).toBe(200);
    expect(json<BrandJson>(put).banners).toEqual([
      { title: '', text: '', url: 'https://shop.example/sale', alt: 'Распродажа', imageId, image: { id: imageId, contentType: 'image/png', width: 1104, height: 368, bytes: picture.length } },
      { title: 'Программа лояльности', text: '', url: 'https://shop.example/card', alt: '', imageId: null, image: null },
    ]);
    const back = await h.app.inject({ method: 'GET', url: `${base(org)}/banner-images/${imageId}`, headers: asOperator });
    expect([back.statusCode, back.headers['content-type'], back.headers['x-content-type-options']]).toEqual([200, 'image/png', 'nosniff']);
    expect(back.rawPayload.equals(picture)).toBe(true);
  });

  it('puts the picture in the e-mail HTML as an inline part inside the banner link', async () => {
    const { brand } = await loadBrand(h.database.db, org);
    const mail = await brandedReceiptEmail({ formName: 'receipt', doc: { fiscalDocumentNumber: 1, user: 'ООО Баннер' }, qr: null }, brand);
    const part = mail.attachments!.find((a) => a.cid === 'brand-banner-1@ofd')!;
    expect((part.content as Buffer).equals(picture)).toBe(true);
    expect(mail.html).toMatch(/<a href="https:\/\/shop\.example\/sale" target="_blank" rel="noopener"[^>]*><img src="cid:brand-banner-1@ofd" width="552" height="184" alt="Распродажа"/);
  });

  it('puts, replaces and takes off a picture on a saved banner in one call; the replaced picture is deleted', async () => {
    const url = (i: number) => `${base(org)}/banners/${i}/image`;
    const put = await h.app.inject({ method: 'PUT', url: url(1), headers: { ...asOperator, 'content-type': 'image/jpeg' }, payload: CHROMIUM_JPEG });
    expect(put.statusCode).toBe(200);
    const jpegId = json<BrandJson>(put).banners[1]!.image!.id;
    expect(json<BrandJson>(put).banners[1]).toMatchObject({ title: 'Программа лояльности', image: { contentType: 'image/jpeg', width: 24, height: 12 } });

    const gif = solidGif(40, 20, [200, 0, 0]);
    const replaced = await h.app.inject({ method: 'PUT', url: url(1), headers: { ...asOperator, 'content-type': 'application/octet-stream' }, payload: gif });
    expect(json<BrandJson>(replaced).banners[1]!.image).toMatchObject({ contentType: 'image/gif', width: 40, height: 20 });
    expect(await rows()).not.toContain(jpegId);
    expect((await rows()).length).toBe(2);

    const tooBig = await h.app.inject({ method: 'PUT', url: url(1), headers: { ...asOperator, 'content-type': 'image/png' }, payload: png(400, 300, true) });
    expect(json<{ details: Issue[] }>(tooBig).details[0]!.issue).toBe('too_big');
    expect(await h.app.inject({ method: 'PUT', url: url(2), headers: { ...asOperator, 'content-type': 'image/gif' }, payload: gif })).toHaveProperty('statusCode', 404);
    expect(await h.app.inject({ method: 'PUT', url: url(3), headers: { ...asOperator, 'content-type': 'image/gif' }, payload: gif })).toHaveProperty('statusCode', 400);
    expect((await rows()).length).toBe(2);

    // The first banner is a picture alone: without it the banner would show nothing.
    const alone = await h.app.inject({ method: 'DELETE', url: url(0), headers: asOperator });
    expect([alone.statusCode, json<{ details: Issue[] }>(alone).details[0]!.issue]).toEqual([400, 'needs_title']);
    const off = await h.app.inject({ method: 'DELETE', url: url(1), headers: asOperator });
    expect(off.statusCode).toBe(200);
    expect(json<BrandJson>(off).banners[1]).toMatchObject({ imageId: null, image: null });
    expect(await rows()).toEqual([imageId]);
  });

  it('keeps a picture with its banner when banners move, deletes it with the banner, and with a reset', async () => {
    const moved = await h.app.inject({
      method: 'PUT',
      url: base(org),
      headers: asOperator,
      payload: { ...BRAND, banners: [{ title: 'Первым', url: 'https://shop.example/1' }, { title: 'С картинкой', url: 'https://shop.example/sale', imageId }] },
    });
    expect(json<BrandJson>(moved).banners.map((b) => b.imageId)).toEqual([null, imageId]);
    expect(await rows()).toEqual([imageId]);
    const dropped = await h.app.inject({ method: 'PUT', url: base(org), headers: asOperator, payload: { ...BRAND, banners: [{ title: 'Первым', url: 'https://shop.example/1' }] } });
    expect(dropped.statusCode).toBe(200);
    expect(await rows()).toEqual([]);
    const gone = await h.app.inject({ method: 'PUT', url: base(org), headers: asOperator, payload: { ...BRAND, banners: [{ url: 'https://shop.example/x', imageId }] } });
    expect([gone.statusCode, json<{ details: Issue[] }>(gone).details[0]]).toEqual([400, expect.objectContaining({ path: 'body.banners.0.imageId', issue: 'unknown_image' })]);

    const again = json<{ id: string }>(await upload(png(100, 50), 'image/png')).id;
    expect((await h.app.inject({ method: 'PUT', url: base(org), headers: asOperator, payload: { ...BRAND, banners: [{ url: 'https://shop.example/x', imageId: again }] } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: base(org), headers: asOperator })).statusCode).toBe(200);
    expect(await rows()).toEqual([]);
  });

  it('prunes unsaved uploads a day old, never a picture a banner names', async () => {
    const named = json<{ id: string }>(await upload(png(60, 20), 'image/png')).id;
    expect((await h.app.inject({ method: 'PUT', url: base(org), headers: asOperator, payload: { ...BRAND, banners: [{ url: 'https://shop.example/n', imageId: named }] } })).statusCode).toBe(200);
    const stale = json<{ id: string }>(await upload(png(60, 20), 'image/png')).id;
    await h.database.db.updateTable('receipt_brand_banner_images').set({ created_at: new Date(Date.now() - 25 * 3600_000) }).where('id', 'in', [named, stale]).execute();
    const fresh = json<{ id: string }>(await upload(png(60, 20), 'image/png')).id;
    expect((await rows()).sort()).toEqual([named, fresh].sort());
    expect((await h.app.inject({ method: 'DELETE', url: base(org), headers: asOperator })).statusCode).toBe(200);
    expect(await rows()).toEqual([]);
  });

  it('keeps each organization to its own pictures', async () => {
    const own = json<{ id: string }>(await upload(png(100, 50), 'image/png')).id;
    // This organization's API key may read the brand but not change it.
    expect((await upload(png(10, 10), 'image/png', org, bearer(ownKey))).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `${base(org)}/banner-images/${own}`, headers: bearer(ownKey) })).statusCode).toBe(200);
    // The other organization's owner reaches none of this organization's picture routes.
    const theirs = bearer(otherOwner);
    expect((await upload(png(10, 10), 'image/png', org, theirs)).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `${base(org)}/banner-images/${own}`, headers: theirs })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PUT', url: `${base(org)}/banners/0/image`, headers: { ...theirs, 'content-type': 'image/png' }, payload: png(10, 10) })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'DELETE', url: `${base(org)}/banners/0/image`, headers: theirs })).statusCode).toBe(404);
    // Naming the picture from its own organization finds nothing either: not in a preview, not in a save, not by its URL.
    const banner = { banners: [{ url: 'https://shop.example/x', imageId: own }] };
    const preview = await h.app.inject({ method: 'POST', url: `${base(other)}/preview`, headers: theirs, payload: { brand: { ...BRAND, ...banner } } });
    expect([preview.statusCode, json<{ details: Issue[] }>(preview).details[0]!.issue]).toEqual([400, 'unknown_image']);
    const put = await h.app.inject({ method: 'PUT', url: base(other), headers: theirs, payload: { ...BRAND, ...banner } });
    expect([put.statusCode, json<{ details: Issue[] }>(put).details[0]!.issue]).toEqual([400, 'unknown_image']);
    expect((await h.app.inject({ method: 'GET', url: `${base(other)}/banner-images/${own}`, headers: theirs })).statusCode).toBe(404);
    expect(await rows(other)).toEqual([]);
    expect(await rows(org)).toEqual([own]);
  });
});
