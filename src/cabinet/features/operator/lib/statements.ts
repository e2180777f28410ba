/** Bank statement files as the operator's area reads them: which format a file is, and a refusal in words. */
import { ApiFailure, errorText } from '../../../lib/api/errors';
import type { ImportedPayment, StatementFormat } from '../api/operator';

/** A 1C exchange file starts with its marker line (ASCII, whatever the encoding); anything else is taken for CSV. */
export function detectFormat(head: string): StatementFormat {
  return head.replace(/^\ufeff/, '').trimStart().startsWith('1CClientBankExchange') ? '1c' : 'csv';
}

export const CSV_LAYOUT = 'дата;номер;сумма;ИНН плательщика;плательщик;назначение';

/** What to tell the operator when the import failed: the line at fault and the expected layout, or the general advice. */
export function importErrorText(e: unknown, format: StatementFormat): string {
  if (e instanceof ApiFailure && e.code === 'VALIDATION_FAILED') {
    const line = /^body\.line(\d+)$/.exec(e.details[0]?.path ?? '')?.[1];
    const where = line ? `строка ${line}` : 'файл';
    const expected =
      format === '1c'
        ? 'Выгрузите выписку из банка в формате 1С («1CClientBankExchange») и загрузите снова.'
        : `Ожидается CSV с разделителем «;» и строкой заголовка: ${CSV_LAYOUT}; сумма в рублях (1500,00).`;
    return `Выписка не загружена, ничего не зачислено: не разобрана ${where} (${e.serverMessage}). ${expected}`;
  }
  if (e instanceof ApiFailure && e.code === 'FORBIDDEN') return 'Загружать выписки могут только сотрудники оператора. Войдите под своей учётной записью сотрудника.';
  return `Выписка не загружена. ${errorText(e)}`;
}

export const OUTCOME_TEXT: Record<ImportedPayment['outcome'], { text: string; color: string }> = {
  matched: { text: 'зачислен', color: 'green' },
  unmatched: { text: 'счёт не найден', color: 'orange' },
  duplicate: { text: 'уже загружен', color: 'default' },
};
