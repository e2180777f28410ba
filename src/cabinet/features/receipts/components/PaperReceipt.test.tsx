// The receipt laid out like the paper one: the seller on top, the operation, items with quantity × price = sum, the
// total and payments in rubles with kopecks, the register's requisites, and the FNS QR string as an image.
import { render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PaperReceipt } from './PaperReceipt';

const NB = '\u00a0';
const doc = {
  user: 'ООО "Ромашка"',
  userInn: '7701000017  ',
  retailPlaceAddress: 'г. Москва, ул. Тверская, д. 1',
  retailPlace: 'Магазин №1',
  dateTime: '2026-12-05T09:05:00',
  shiftNumber: 12,
  requestNumber: 34,
  operationType: 2,
  operator: 'Иванова А.',
  items: [
    { name: 'Молоко 3,2% 1 л', price: 8990, quantity: 2, sum: 17980, nds: 2 },
    { name: 'Сыр весовой', price: 123450, quantity: '0.350', sum: 43208, nds: 1 },
  ],
  totalSum: 61188,
  cashTotalSum: 1188,
  ecashTotalSum: 60000,
  nds10: 1635,
  nds18: 7201,
  appliedTaxationType: 1,
  buyerPhoneOrAddress: 'buyer@example.test',
  kktRegId: '0000000001012345',
  fiscalDriveNumber: '9999078900000555',
  fiscalDocumentNumber: 77,
  fiscalSign: 3522207165,
};
const qr = 't=20261205T0905&s=611.88&fn=9999078900000555&i=77&fp=3522207165&n=2';

describe('PaperReceipt', () => {
  it('shows the receipt as printed: header, operation, items, totals, requisites', () => {
    render(<PaperReceipt formName="receipt" doc={doc} qr={qr} />);
    const receipt = screen.getByRole('article', { name: 'Кассовый чек' });
    const text = receipt.textContent ?? '';
    // Order as on paper: seller → title → operation → date → items → total → requisites.
    const order = ['ООО "Ромашка"', 'КАССОВЫЙ ЧЕК', 'ВОЗВРАТ ПРИХОДА', '05.12.2026 09:05', 'Молоко', 'Сыр весовой', 'ИТОГ', 'РН ККТ', 'ФП'];
    const positions = order.map((s) => text.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const items = within(receipt).getAllByTestId('receipt-item');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain(`2 × 89,90${NB}₽`);
    expect(items[0]!.textContent).toContain(`179,80${NB}₽`);
    expect(items[0]!.textContent).toContain('НДС 10%');
    expect(items[1]!.textContent).toContain(`0,350 × 1${NB}234,50${NB}₽`);
    expect(text).toContain(`ИТОГ611,88${NB}₽`);
    expect(text).toContain(`НАЛИЧНЫМИ11,88${NB}₽`);
    expect(text).toContain(`БЕЗНАЛИЧНЫМИ600,00${NB}₽`);
    expect(text).toContain(`Сумма НДС 20%72,01${NB}₽`);
    expect(text).toContain('СНООСН');
    expect(text).toContain('ИНН7701000017');
    expect(text).toContain('ФН №9999078900000555');
    expect(text).toContain('ФД №77');
    expect(text).not.toContain('ПРЕДОПЛАТА');
  });

  it('draws the FNS QR string as an image', async () => {
    render(<PaperReceipt formName="receipt" doc={doc} qr={qr} />);
    const img = await waitFor(() => screen.getByRole('img', { name: `QR-код чека: ${qr}` }));
    expect(img.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(img.getAttribute('data-qr')).toBe(qr);
  });

  it('survives a document without items or QR (a correction or an undecodable body)', () => {
    render(<PaperReceipt formName="receiptCorrection" doc={{ operationType: 1, totalSum: 100 }} qr={null} />);
    expect(screen.getByText('КАССОВЫЙ ЧЕК КОРРЕКЦИИ')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.queryAllByTestId('receipt-item')).toHaveLength(0);
  });
});
