/** Statuses of «Документы» in words and colours. */
export function documentStatus(kind: 'invoice' | 'act', status: string): { text: string; color: string } {
  if (kind === 'act') return { text: 'Сформирован', color: 'blue' };
  if (status === 'paid') return { text: 'Оплачен', color: 'green' };
  if (status === 'issued') return { text: 'Ожидает оплаты', color: 'gold' };
  return { text: status, color: 'default' };
}

/** 24900 kopecks for 250 SMS → `0,996` ₽ per SMS, shown as kopecks-precise rubles: «≈ 1,00 ₽ за SMS». */
export function perSms(price: number, units: number): number {
  return Math.round(price / units);
}
