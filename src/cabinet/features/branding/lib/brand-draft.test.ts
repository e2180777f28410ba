import { describe, expect, it } from 'vitest';
import { bannerImageFileProblem, draftOf, logoFileProblem } from './brand-draft';

const base = { primaryColor: '#AA3300', accentColor: '#0a7d32', backgroundColor: '#ffffff', headerText: ' Пекарня ', footerText: '' };

describe('draftOf', () => {
  it('gives the API body for a complete form, colours in lower case and texts trimmed', () => {
    expect(draftOf({ ...base, banners: [{ title: 'Акция', url: 'https://shop.example/a' }, {}] })).toEqual({
      primaryColor: '#aa3300',
      accentColor: '#0a7d32',
      backgroundColor: '#ffffff',
      headerText: 'Пекарня',
      footerText: '',
      banners: [{ title: 'Акция', text: '', url: 'https://shop.example/a', alt: '', imageId: null }],
    });
  });

  it('takes a banner that is a picture alone, naming the picture by its id', () => {
    const picture = { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', contentType: 'image/png', width: 1104, height: 368, bytes: 30_000 };
    expect(draftOf({ ...base, banners: [{ url: ' https://shop.example/sale ', alt: ' Распродажа ', picture }] })?.banners).toEqual([
      { title: '', text: '', url: 'https://shop.example/sale', alt: 'Распродажа', imageId: picture.id },
    ]);
    expect(draftOf({ ...base, banners: [{ picture }] })).toBeUndefined();
  });

  it('holds back a draft the API would refuse', () => {
    expect(draftOf({ ...base, primaryColor: '#aa33' })).toBeUndefined();
    expect(draftOf({ ...base, banners: [{ title: 'Акция', url: 'javascript:alert(1)' }] })).toBeUndefined();
    expect(draftOf({ ...base, banners: [{ url: 'https://shop.example' }] })).toBeUndefined();
    expect(draftOf({ ...base, banners: [1, 2, 3, 4].map((i) => ({ title: `b${i}`, url: 'https://x.example' })) })).toBeUndefined();
  });
});

describe('logoFileProblem', () => {
  it('takes PNG, JPEG and GIF up to 256 KB', () => {
    expect(logoFileProblem({ type: 'image/png', size: 1000 })).toBeUndefined();
    expect(logoFileProblem({ type: 'image/svg+xml', size: 1000 })).toMatch(/PNG, JPEG или GIF/);
    expect(logoFileProblem({ type: 'image/jpeg', size: 300 * 1024 })).toMatch(/256 КБ/);
  });
});

describe('bannerImageFileProblem', () => {
  it('takes PNG, JPEG and GIF up to 300 KB', () => {
    expect(bannerImageFileProblem({ type: 'image/gif', size: 300 * 1024 })).toBeUndefined();
    expect(bannerImageFileProblem({ type: 'image/webp', size: 1000 })).toMatch(/PNG, JPEG или GIF/);
    expect(bannerImageFileProblem({ type: 'image/png', size: 300 * 1024 + 1 })).toMatch(/300 КБ/);
  });
});
