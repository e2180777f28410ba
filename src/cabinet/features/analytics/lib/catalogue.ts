/** The Аналитика screens: URL slug = the report API's name, the tab's short label and the screen's title. */
import type { ReportName } from '../api/reports';

export interface ReportEntry {
  name: ReportName;
  tab: string;
  title: string;
  /** What the screen answers, under its title. */
  hint: string;
  /** The report is the current state, not a period's figures. */
  periodless?: boolean;
}

export const REPORTS: readonly ReportEntry[] = [
  { name: 'payment-types', tab: 'Типы оплат', title: 'Отчёт по типам оплат', hint: 'Выручка по дням и доли способов оплаты; возвраты вычитаются из итога.' },
  { name: 'outlets', tab: 'Торговые точки', title: 'Анализ торговых точек', hint: 'Точки рядом: выручка, чеки, средний чек и возвраты.' },
  { name: 'abc-xyz', tab: 'ABC/XYZ', title: 'ABC/XYZ-анализ', hint: 'ABC — вклад товара в выручку, XYZ — стабильность его продаж по неделям.' },
  { name: 'z-report', tab: 'Z-отчёты', title: 'Z-отчёт', hint: 'Закрытые смены: счётчики ФН против полученных чеков.' },
  { name: 'shifts', tab: 'Смены', title: 'Отчёт по сменам', hint: 'Смены кассы: длительность, чеки, выручка.' },
  { name: 'hours', tab: 'По часам', title: 'Выручка по часам', hint: 'Когда покупают: дни недели и часы (местное время касс).' },
  { name: 'tax-systems', tab: 'СНО', title: 'Отчёт по СНО', hint: 'Суммы расчётов по системам налогообложения (тег 1055).' },
  { name: 'vat', tab: 'НДС', title: 'Отчёт по НДС', hint: 'Суммы НДС по ставкам и признакам расчёта.' },
  { name: 'fn-schedule', tab: 'Замена ФН и ОФД', title: 'График замены ФН и ОФД', hint: 'Что заканчивается и когда: сначала самое срочное, с причиной каждой даты.', periodless: true },
  { name: 'unsent', tab: 'Непереданные ФД', title: 'Непереданные документы', hint: 'Пропуски в номерах ФД: документы, которые касса ещё не передала.', periodless: true },
];

export const DEFAULT_REPORT = REPORTS[0]!;

export function reportEntry(slug: string | undefined): ReportEntry | undefined {
  return slug === undefined ? DEFAULT_REPORT : REPORTS.find((r) => r.name === slug);
}
