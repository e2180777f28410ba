// Pure parts of e-receipts and webhooks: phone normalization, the receipt e-mail and SMS texts, webhook signatures
// (checked against an independent node:crypto HMAC).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../../src/adapters/sms/sms-sender.js';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../../../src/adapters/webhooks/webhook-signature.js';
import type { ReceiptSource } from '../../../src/db/notify.repository.js';
import { receiptEmail, receiptQrOf, receiptSms } from '../../../src/workers/notify/receipt-texts.js';

const doc: ReceiptSource = {
  fn: '9999078900012345',
  fd: 42,
  form: 3,
  fns_json: { receipt: { user: 'ООО <Ромашка>', totalSum: 12345, items: [{ name: 'Хлеб', price: 12345, quantity: 1, sum: 12345 }] } },
  date_time: '2024-09-17T18:01:00',
  total_sum: 12345,
  fiscal_sign: 3_000_000_001,
  operation_type: 1,
  user_inn: '7702000012',
  organization_id: 1,
};

describe('normalizePhone', () => {
  it('turns what registers write into +7 E.164', () => {
    expect(normalizePhone('+79161234567')).toBe('+79161234567');
    expect(normalizePhone('79161234567')).toBe('+79161234567');
    expect(normalizePhone('8 (916) 123-45-67')).toBe('+79161234567');
    expect(normalizePhone('+375291234567')).toBe('+375291234567');
    expect(normalizePhone('buyer@example.test')).toBeUndefined();
    expect(normalizePhone('12345')).toBeUndefined();
  });
});

describe('receipt texts', () => {
  it('carries the sum and the FNS QR string', async () => {
    const qr = receiptQrOf(doc);
    expect(qr).toBe('t=20240917T1801&s=123.45&fn=9999078900012345&i=42&fp=3000000001&n=1');
    const mail = await receiptEmail(doc);
    expect(mail.subject).toBe('Кассовый чек № 42 — ООО <Ромашка>');
    expect(mail.text).toContain('ИТОГ: 123,45\u00a0₽');
    expect(mail.text).toContain(qr!);
    expect(mail.html).toContain('ООО &lt;Ромашка&gt;');
    expect(mail.html).toContain('t=20240917T1801&amp;s=123.45');
    expect(receiptSms(doc)).toBe(`Чек ФД 42 на 123,45\u00a0₽ ФН 9999078900012345. Проверка: ${qr!}`);
    expect(receiptSms(doc, 'https://ofd.example/r/AbCdEfGhJkMn')).toBe('Чек ФД 42 на 123,45\u00a0₽: https://ofd.example/r/AbCdEfGhJkMn');
    expect(receiptQrOf({ ...doc, fiscal_sign: null })).toBeNull();
  });
});

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "<t>.<body>" and verifies only with the secret, the body and a fresh timestamp', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ id: 'document.received:1:2', type: 'document.received' });
    const header = signWebhook(secret, body, 1_700_000_000);
    const independent = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${independent}`);
    expect(verifyWebhook(secret, body, header, 1_700_000_100)).toBe(true);
    expect(verifyWebhook(secret, `${body} `, header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), body, header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook(secret, body, header, 1_700_001_000)).toBe(false);
    expect(verifyWebhook(secret, body, 'garbage', 1_700_000_000)).toBe(false);
  });
});
