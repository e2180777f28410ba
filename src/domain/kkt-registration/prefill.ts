/**
 * A re-registration or deregistration prefilled from what we know of the register (read by
 * db/kkt-prefill.repository.ts): the last application's fields, overlaid with what the register reported itself (its
 * serial, FN, address, place and modes from the last registration report), and the fiscal documents the FNS asks for.
 * The customer then changes only what the reason changes.
 */
type Json = Record<string, unknown>;

/** A fiscal document the FNS asks for by its number, date and sign. */
export interface FiscalDocumentRef {
  readonly fn: string;
  readonly fiscalDocumentNumber: number;
  readonly dateTime: string;
  readonly fiscalSign: string;
}

export interface KktPrefill {
  readonly kktRegId: string;
  readonly registerId: number | null;
  /** The last completed application's input (else the newest not refused), for the fields only an application carries. */
  readonly lastApplication: { id: number; kind: string; input: Json } | null;
  /** The last registration report or report on changed details (form 1 / 11): its FNS JSON fields. */
  readonly lastRegistrationReport: (FiscalDocumentRef & { form: number; fields: Json }) | null;
  /** The latest FN closing report (form 6). */
  readonly closingReport: FiscalDocumentRef | null;
  /** A report on changed details (form 11) after that closing report, from another FN: the FN was replaced. */
  readonly replacementReport: FiscalDocumentRef | null;
}

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const flag = (v: unknown): boolean | undefined => (typeof v === 'number' ? v !== 0 : typeof v === 'boolean' ? v : undefined);

/** Registration-report fields (FNS JSON names) → the application's modes. */
const MODE_OF_FIELD: Record<string, string> = {
  offlineMode: 'offlineMode',
  internetSign: 'internetSign',
  exciseDutyProductSign: 'exciseGoodsSign',
  gamblingSign: 'gamblingSign',
  lotterySign: 'lotterySign',
  autoMode: 'automaticDeviceSign',
  bsoSign: 'bsoSign',
  serviceSign: 'serviceSign',
};

const report = (r: FiscalDocumentRef | null) => (r ? { dateTime: r.dateTime.slice(0, 19), fiscalDocumentNumber: r.fiscalDocumentNumber, fiscalSign: r.fiscalSign } : undefined);

export interface PrefilledApplication {
  readonly application: Json;
  readonly closingReport: ReturnType<typeof report>;
  readonly replacementReport: ReturnType<typeof report>;
  /** The new FN's number, when the register already reported working with another FN after closing the old one. */
  readonly replacementFn: string | undefined;
  /** Where each part came from, for the customer to check («заявление № 12», «отчёт о регистрации ФД № 1»). */
  readonly sources: string[];
}

export function prefillApplication(p: KktPrefill): PrefilledApplication {
  const last = obj(p.lastApplication?.input);
  const fields = obj(p.lastRegistrationReport?.fields);
  const sources: string[] = [];
  if (p.lastApplication) sources.push(`заявление № ${p.lastApplication.id}`);
  if (p.lastRegistrationReport) sources.push(`${p.lastRegistrationReport.form === 1 ? 'отчёт о регистрации' : 'отчёт об изменении параметров регистрации'} ФД № ${p.lastRegistrationReport.fiscalDocumentNumber}`);

  const modes: Json = { ...obj(last.modes) };
  for (const [field, mode] of Object.entries(MODE_OF_FIELD)) {
    const v = flag(fields[field]);
    if (v !== undefined) modes[mode] = v;
  }
  // 1057 bits: 1, 2 bank payment (sub)agent; 4, 8 payment (sub)agent (the other agent kinds are not modes of the form).
  if (typeof fields.paymentAgentType === 'number') {
    modes.bankPaymentAgentSign = (fields.paymentAgentType & 3) !== 0;
    modes.paymentAgentSign = (fields.paymentAgentType & 12) !== 0;
  }
  const machine = str(fields.machineNumber);
  if (machine) modes.machineNumber = machine;

  const lastKkt = obj(last.kkt);
  const lastFn = obj(last.fn);
  const lastPlace = obj(last.place);
  const application: Json = {
    kktRegId: p.kktRegId,
    kkt: { model: str(lastKkt.model) ?? '', serialNumber: str(fields.kktNumber) ?? str(lastKkt.serialNumber) ?? '' },
    fn: { model: str(lastFn.model) ?? '', serialNumber: p.lastRegistrationReport?.fn ?? str(lastFn.serialNumber) ?? '' },
    place: {
      ...lastPlace,
      retailPlaceAddress: str(fields.retailPlaceAddress) ?? str(lastPlace.retailPlaceAddress) ?? '',
      retailPlace: str(fields.retailPlace) ?? str(lastPlace.retailPlace) ?? '',
    },
    modes,
    ...(last.signer ? { signer: last.signer } : {}),
    ...(last.ofd ? { ofd: last.ofd } : {}),
  };
  return {
    application,
    closingReport: report(p.closingReport),
    replacementReport: report(p.replacementReport),
    replacementFn: p.replacementReport?.fn,
    sources,
  };
}
