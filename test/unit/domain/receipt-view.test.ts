import { describe, expect, it } from 'vitest';
import { escapeHtml, fnsQrString, qrTimeToLocal, renderReceiptHtml, rubles } from '../../../src/domain/receipt-view.js';

describe('the FNS QR string', () => {
  it('is t=YYYYMMDDTHHMM&s=rubles&fn&i&fp&n', () => {
    expect(fnsQrString({ dateTime: '2024-09-17T18:01:00', totalSum: 18090, fn: '9999078900000001', fd: 12, fiscalSign: 3054311617, operationType: 1 })).toBe(
      't=20240917T1801&s=180.90&fn=9999078900000001&i=12&fp=3054311617&n=1',
    );
  });

  it('formats kopecks as rubles exactly', () => {
    expect([0, 5, 100, 12345, 2 ** 48 - 1].map(rubles)).toEqual(['0.00', '0.05', '1.00', '123.45', '2814749767106.55']);
  });

  it('reads t back to local minutes', () => {
    expect(qrTimeToLocal('20240917T1801')).toBe('2024-09-17T18:01');
    expect(qrTimeToLocal('20240917T180159')).toBe('2024-09-17T18:01');
    expect(qrTimeToLocal('2024-09-17')).toBeUndefined();
  });
});

describe('the printable receipt', () => {
  it('escapes what documents carry and shows the QR string', () => {
    const html = renderReceiptHtml('receipt', { user: '<script>alert(1)</script>', items: [{ name: 'Хлеб & "мёд"', price: 4550, quantity: 2, sum: 9100 }], totalSum: 9100 }, 't=1&s=2');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('Хлеб &amp; &quot;мёд&quot;');
    expect(html).toContain('91.00');
    expect(html).toContain('data-qr="t=1&amp;s=2"');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});

describe('search query classification', () => {
  it('reads what a query can be', async () => {
    const { documentMatches } = await import('../../../src/api/routes/search.routes.js');
    expect(documentMatches('buyer@example.com')[0]).toEqual({ kind: 'buyer', value: 'buyer@example.com' });
    expect(documentMatches('8 (916) 123-45-67')[0]).toEqual({ kind: 'buyer', value: '+79161234567' });
    expect(documentMatches('181,50')).toEqual([{ kind: 'amount', value: 18150 }]);
    expect(documentMatches('04600439931256')).toEqual([{ kind: 'marking', value: '04600439931256' }]);
    expect(documentMatches('0104600439931256215Ntdc')).toEqual([{ kind: 'marking', value: '0104600439931256215Ntdc' }]);
    expect(documentMatches('3054311617').map((m) => m.kind)).toEqual(['fiscalSign', 'fd']);
    expect(documentMatches('молоко')).toEqual([{ kind: 'item', value: 'молоко' }]);
    expect(documentMatches('x')).toEqual([]);
  });
});
