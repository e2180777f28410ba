/** The receipt filter form's draft (pickers and typed text) and its conversion to and from the URL's filters. */
import dayjs, { type Dayjs } from 'dayjs';
import { kopecksToInput, parseRubles } from '../../../lib/format';
import type { ReceiptFilters } from './receipt-filters';

export interface Draft {
  period?: [Dayjs | null, Dayjs | null] | null;
  outletId?: number;
  registerId?: number;
  operationType?: number;
  payment?: string;
  taxationType?: number;
  amountMin?: string;
  amountMax?: string;
  fiscalSign?: number | null;
  fd?: number | null;
  item?: string;
  marking?: string;
  fnsStatus?: string;
  flkStatus?: string;
}

const LOCAL = 'YYYY-MM-DDTHH:mm:ss';

export function draftOf(f: ReceiptFilters): Draft {
  return {
    period: f.dateFrom || f.dateTo ? [f.dateFrom ? dayjs(f.dateFrom) : null, f.dateTo ? dayjs(f.dateTo) : null] : null,
    outletId: f.outletId,
    registerId: f.registerId,
    operationType: f.operationType,
    payment: f.payment,
    taxationType: f.taxationType,
    amountMin: kopecksToInput(f.amountMin),
    amountMax: kopecksToInput(f.amountMax),
    fiscalSign: f.fiscalSign ?? null,
    fd: f.fd ?? null,
    item: f.item ?? '',
    marking: f.marking ?? '',
    fnsStatus: f.fnsStatus,
    flkStatus: f.flkStatus,
  };
}

/** The draft as filters; fields the form does not show (fn, organizationId, hasMarking) are kept from `base`. */
export function filtersOf(d: Draft, base: ReceiptFilters): ReceiptFilters {
  const text = (s?: string) => (s === undefined || s.trim() === '' ? undefined : s.trim());
  return {
    fn: base.fn,
    organizationId: base.organizationId,
    hasMarking: base.hasMarking,
    form: base.form,
    dateFrom: d.period?.[0]?.format(LOCAL),
    dateTo: d.period?.[1]?.format(LOCAL),
    outletId: d.outletId,
    registerId: d.registerId,
    operationType: d.operationType,
    payment: d.payment,
    taxationType: d.taxationType,
    amountMin: d.amountMin ? parseRubles(d.amountMin) : undefined,
    amountMax: d.amountMax ? parseRubles(d.amountMax) : undefined,
    fiscalSign: d.fiscalSign ?? undefined,
    fd: d.fd ?? undefined,
    item: text(d.item),
    marking: text(d.marking),
    fnsStatus: d.fnsStatus,
    flkStatus: d.flkStatus,
  };
}
