/**
 * The «Основание» of a movement in the account history: the ledger's reference (`register:12`, `card-payment:5`,
 * `tariff:3`, `invoice:…`, `product:sms-250x1`, `product:branded-12m`, `month:2026-11`, `receipt:<fn>/<fd>` (an e-receipt sent by SMS or Viber) or the operator's comment) in words, with the register's number when known.
 */
export interface ReferenceNames {
  readonly registers: ReadonlyMap<number, string>;
  readonly tariffs: ReadonlyMap<number, string>;
}

export function referenceText(reference: string, names: ReferenceNames): string {
  const m = /^([a-z_.-]+):(\d+)$/.exec(reference);
  if (m) {
    const id = Number(m[2]);
    if (m[1] === 'register') {
      const rn = names.registers.get(id);
      return rn ? `Касса РН ${rn}` : `Касса №${id}`;
    }
    if (m[1] === 'card-payment') return `Платёж картой №${id}`;
    if (m[1] === 'tariff') return names.tariffs.get(id) ?? `Тариф №${id}`;
  }
  const sms = /^product:sms-(\d+)x(\d+)$/.exec(reference);
  if (sms) return `Пакет ${sms[1]} SMS${sms[2] !== '1' ? ` × ${sms[2]}` : ''}`;
  const branded = /^product:branded-(\d+)m$/.exec(reference);
  if (branded) return `Брендированные чеки на ${branded[1]} мес.`;
  const invoice = /^invoice:(.+)$/.exec(reference);
  if (invoice) return `Счёт № ${invoice[1]}`;
  const sent = /^receipt:(\d{16})\/(\d+)$/.exec(reference) ?? /^(?:viber-)?(\d{16})-(\d+)-\d+-a\d+$/.exec(reference);
  if (sent) return `Чек ФД ${sent[2]} (ФН ${sent[1]})`;
  const month = /^month:(\d{4})-(\d{2})$/.exec(reference);
  if (month) return `SMS за ${month[2]}.${month[1]}`;
  return reference;
}

/** An idempotency key for one purchase (8–100 of [A-Za-z0-9_.:-]); a retry of the same purchase reuses it. */
export function newPurchaseKey(prefix: string): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}:${random}`.slice(0, 100);
}
