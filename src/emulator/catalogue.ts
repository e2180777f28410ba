/**
 * What the emulated shops sell: names a real receipt carries (Cyrillic, so CP866 is exercised), price ranges in kopecks,
 * the VAT rate (1199), the payment-method (1214) and product-type (1212) signs, and how a marked product's code looks.
 */

/** 1199 `nds`: 1 = 20 %, 2 = 10 %, 3 = 20/120, 4 = 10/110, 5 = 0 %, 6 = no VAT. */
export type VatRate = 1 | 2 | 3 | 4 | 5 | 6;

/** How a marking code goes into 1163: `gs1m` (1305, GS1 DataMatrix: milk, water, shoes, clothes, medicines), `kmk` (1306, tobacco packs). */
export type MarkKind = 'gs1m' | 'kmk';

export interface Product {
  name: string;
  /** `kg` is sold by weight: a fractional quantity with 3 decimals (FVLN). */
  unit: 'pcs' | 'kg';
  minPrice: number;
  maxPrice: number;
  nds: VatRate;
  /** 1212: 1 goods, 4 service, 10 payment. */
  productType: number;
  /** 1214: 4 full settlement; 1 full prepayment; 3 advance. */
  paymentType: number;
  mark?: MarkKind;
  /** Relative frequency in baskets. */
  weight: number;
}

export const PRODUCTS: readonly Product[] = [
  { name: 'Хлеб Бородинский 400г', unit: 'pcs', minPrice: 4590, maxPrice: 7990, nds: 2, productType: 1, paymentType: 4, weight: 10 },
  { name: 'Батон нарезной 350г', unit: 'pcs', minPrice: 3990, maxPrice: 5990, nds: 2, productType: 1, paymentType: 4, weight: 8 },
  { name: 'Молоко 3,2% 930мл', unit: 'pcs', minPrice: 7990, maxPrice: 11990, nds: 2, productType: 1, paymentType: 4, mark: 'gs1m', weight: 9 },
  { name: 'Кефир 1% 900г', unit: 'pcs', minPrice: 6990, maxPrice: 9990, nds: 2, productType: 1, paymentType: 4, mark: 'gs1m', weight: 5 },
  { name: 'Сыр Российский 45%', unit: 'kg', minPrice: 59900, maxPrice: 89900, nds: 2, productType: 1, paymentType: 4, weight: 4 },
  { name: 'Яблоки Гала 1кг', unit: 'kg', minPrice: 9999, maxPrice: 17999, nds: 2, productType: 1, paymentType: 4, weight: 7 },
  { name: 'Картофель мытый 1кг', unit: 'kg', minPrice: 3499, maxPrice: 6999, nds: 2, productType: 1, paymentType: 4, weight: 7 },
  { name: 'Бананы 1кг', unit: 'kg', minPrice: 11999, maxPrice: 16999, nds: 2, productType: 1, paymentType: 4, weight: 6 },
  { name: 'Тыква 1кг', unit: 'kg', minPrice: 5999, maxPrice: 9999, nds: 2, productType: 1, paymentType: 4, weight: 2 },
  { name: 'Колбаса Докторская варёная', unit: 'kg', minPrice: 49900, maxPrice: 79900, nds: 2, productType: 1, paymentType: 4, weight: 3 },
  { name: 'Вода питьевая негаз. 1,5л', unit: 'pcs', minPrice: 4990, maxPrice: 8990, nds: 1, productType: 1, paymentType: 4, mark: 'gs1m', weight: 6 },
  { name: 'Кофе молотый "Арабика" 250г', unit: 'pcs', minPrice: 29900, maxPrice: 59900, nds: 1, productType: 1, paymentType: 4, weight: 3 },
  { name: 'Шоколад молочный 90г', unit: 'pcs', minPrice: 8990, maxPrice: 14990, nds: 1, productType: 1, paymentType: 4, weight: 5 },
  { name: 'Сигареты "Полёт" МРЦ 199', unit: 'pcs', minPrice: 19900, maxPrice: 19900, nds: 1, productType: 1, paymentType: 4, mark: 'kmk', weight: 3 },
  { name: 'Кроссовки мужские р.42', unit: 'pcs', minPrice: 299000, maxPrice: 899000, nds: 1, productType: 1, paymentType: 4, mark: 'gs1m', weight: 1 },
  { name: 'Футболка хлопок, белая', unit: 'pcs', minPrice: 59900, maxPrice: 149900, nds: 1, productType: 1, paymentType: 4, mark: 'gs1m', weight: 1 },
  { name: 'Парацетамол 500мг №20', unit: 'pcs', minPrice: 3500, maxPrice: 9900, nds: 2, productType: 1, paymentType: 4, mark: 'gs1m', weight: 2 },
  { name: 'Пакет-майка', unit: 'pcs', minPrice: 500, maxPrice: 1500, nds: 1, productType: 1, paymentType: 4, weight: 6 },
  { name: 'Книга: Русские сказки', unit: 'pcs', minPrice: 39900, maxPrice: 89900, nds: 2, productType: 1, paymentType: 4, weight: 1 },
  { name: 'Доставка курьером', unit: 'pcs', minPrice: 19900, maxPrice: 49900, nds: 1, productType: 4, paymentType: 4, weight: 1 },
  { name: 'Приём врача-терапевта', unit: 'pcs', minPrice: 150000, maxPrice: 350000, nds: 6, productType: 4, paymentType: 4, weight: 1 },
  { name: 'Перевозка груза (экспорт)', unit: 'pcs', minPrice: 500000, maxPrice: 2500000, nds: 5, productType: 4, paymentType: 4, weight: 0.3 },
  { name: 'Аванс за мебель по заказу', unit: 'pcs', minPrice: 500000, maxPrice: 3000000, nds: 3, productType: 10, paymentType: 3, weight: 0.4 },
  { name: 'Предоплата: детское питание', unit: 'pcs', minPrice: 30000, maxPrice: 150000, nds: 4, productType: 1, paymentType: 1, weight: 0.4 },
];

/** Cashiers (1021). */
export const CASHIERS: readonly string[] = [
  'Кассир Иванова А.С.',
  'Старший кассир Петров В.В.',
  'Продавец-кассир Сидорова Е.Н.',
  'Кассир Ёлкина О.П.',
  'Администратор Кузнецов Д.А.',
];

export const SHOP_NAMES: readonly string[] = ['Ромашка', 'Продукты у дома', 'Северный', 'Три богатыря', 'Ладога', 'Берёзка', 'Вкусный двор'];
export const SURNAMES: readonly string[] = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев', 'Новиков', 'Морозов'];
export const STREETS: readonly string[] = ['ул. Ленина', 'пр-т Мира', 'ул. Садовая', 'ул. Серышева', 'Невский пр-т', 'ул. Гагарина'];
export const CITIES: ReadonlyArray<readonly [region: string, city: string]> = [
  ['77', 'г. Москва'],
  ['78', 'г. Санкт-Петербург'],
  ['50', 'Московская обл., г. Химки'],
  ['27', 'Хабаровский край, г. Хабаровск'],
  ['66', 'Свердловская обл., г. Екатеринбург'],
  ['16', 'Республика Татарстан, г. Казань'],
  ['54', 'Новосибирская обл., г. Новосибирск'],
];
export const BUYER_CONTACTS: readonly string[] = ['ivanova.a@example.ru', 'petrov@example.com', '+79161234567', 'buyer@example.org', '+79031112233'];
