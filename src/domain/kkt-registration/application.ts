/**
 * A KKT registration application as the FNS's forms have it: КНД 1110061 «Заявление о регистрации (перерегистрации)
 * контрольно-кассовой техники» (registration, re-registration with its reason codes) and КНД 1110062 «Заявление о снятии
 * контрольно-кассовой техники с регистрационного учета» (deregistration). Field names are the forms' meanings in the
 * FNS JSON / FFD vocabulary (the modes are the registration report's tags). Validated with zod: a bad field is a 400
 * naming it.
 */
import { z } from 'zod';
import { isValidInn } from '../inn.js';

export const APPLICATION_KINDS = ['registration', 'reregistration', 'deregistration'] as const;

/**
 * Reasons for re-registration, as the FNS's form lists them (КНД 1110061, «Код причины перерегистрации»). The codes are
 * the ones of the electronic format as we read its published description; see fixtures/fns-kkt/README.md.
 */
export const REREGISTRATION_REASONS = {
  '1': 'изменение адреса и (или) места установки (применения) ККТ',
  '2': 'смена оператора фискальных данных',
  '3': 'замена фискального накопителя',
  '4': 'переход из автономного режима в режим передачи данных',
  '5': 'переход из режима передачи данных в автономный режим',
  '6': 'изменение наименования пользователя',
  '7': 'изменение режимов и настроек применения ККТ',
  '8': 'иные причины',
} as const;
export type ReregistrationReason = keyof typeof REREGISTRATION_REASONS;

/** Reasons for deregistration (КНД 1110062). */
export const DEREGISTRATION_REASONS = {
  '1': 'по решению пользователя (передача другому лицу, прекращение применения)',
  '2': 'в связи с хищением ККТ',
  '3': 'в связи с потерей ККТ',
  '4': 'в связи с выходом из строя фискального накопителя',
} as const;
export type DeregistrationReason = keyof typeof DEREGISTRATION_REASONS;

const innSchema = z.string().refine(isValidInn, 'ИНН: 10 или 12 цифр с верными контрольными цифрами');
const text = (max: number) => z.string().trim().min(1).max(max);
const kktSerialSchema = z.string().regex(/^[\x21-\x7e]{1,20}$/, 'заводской номер ККТ: от 1 до 20 печатных символов без пробелов');
const fnSerialSchema = z.string().regex(/^\d{16}$/, 'заводской номер ФН: 16 цифр');

/** The modes of use the form asks about, by the registration report's tag names. */
export const modesSchema = z
  .object({
    offlineMode: z.boolean().default(false).meta({ description: '1002 автономный режим' }),
    internetSign: z.boolean().default(false).meta({ description: '1108 расчёты только в сети Интернет' }),
    exciseGoodsSign: z.boolean().default(false).meta({ description: '1207 подакцизные товары' }),
    markedGoodsSign: z.boolean().default(false).meta({ description: 'маркированные товары (ФФД 1.2)' }),
    gamblingSign: z.boolean().default(false).meta({ description: '1193 азартные игры' }),
    lotterySign: z.boolean().default(false).meta({ description: '1126 лотереи' }),
    automaticDeviceSign: z.boolean().default(false).meta({ description: '1221 автоматическое устройство для расчётов' }),
    machineNumber: z.string().trim().min(1).max(20).optional().meta({ description: '1036 номер автомата' }),
    paymentAgentSign: z.boolean().default(false).meta({ description: '1057 платёжный агент (субагент)' }),
    bankPaymentAgentSign: z.boolean().default(false).meta({ description: '1057 банковский платёжный агент (субагент)' }),
    bsoSign: z.boolean().default(false).meta({ description: '1110 бланки строгой отчётности' }),
    serviceSign: z.boolean().default(false).meta({ description: '1109 только услуги' }),
    deliveryTradeSign: z.boolean().default(false).meta({ description: 'развозная и (или) разносная торговля' }),
  })
  .superRefine((m, ctx) => {
    if (m.automaticDeviceSign && !m.machineNumber) ctx.addIssue({ code: 'custom', path: ['machineNumber'], message: 'номер автомата обязателен для автоматического устройства' });
    if (m.offlineMode && (m.internetSign || m.markedGoodsSign)) {
      ctx.addIssue({ code: 'custom', path: ['offlineMode'], message: 'автономный режим несовместим с расчётами в Интернете и маркированными товарами' });
    }
  });
export type Modes = z.output<typeof modesSchema>;

export const signerSchema = z
  .object({
    /** 1: the user (head of the organization, or the entrepreneur); 2: a representative under a power of attorney. */
    role: z.enum(['1', '2']),
    lastName: text(60),
    firstName: text(60),
    middleName: text(60).optional(),
    powerOfAttorney: text(120).optional().meta({ description: 'документ, подтверждающий полномочия представителя' }),
  })
  .superRefine((s, ctx) => {
    if (s.role === '2' && !s.powerOfAttorney) ctx.addIssue({ code: 'custom', path: ['powerOfAttorney'], message: 'для представителя нужен документ о полномочиях' });
  });

const kktSchema = z.object({ model: text(100), serialNumber: kktSerialSchema });
const fnSchema = z.object({ model: text(100), serialNumber: fnSerialSchema });

const placeSchema = z.object({
  /** КодНО: the tax office the application goes to (СОНО, 4 digits). */
  taxAuthorityCode: z.string().regex(/^\d{4}$/, 'код налогового органа: 4 цифры'),
  retailPlaceAddress: text(256).meta({ description: '1009 адрес расчётов' }),
  retailPlace: text(256).meta({ description: '1187 место расчётов' }),
  regionCode: z.string().regex(/^\d{2}$/, 'код региона: 2 цифры'),
  postalCode: z.string().regex(/^\d{6}$/, 'индекс: 6 цифр').optional(),
});

const ofdSchema = z.object({ ofdInn: innSchema.meta({ description: '1017 ИНН ОФД' }), ofdName: text(256).meta({ description: '1046 наименование ОФД' }) });

const common = { kkt: kktSchema, fn: fnSchema, signer: signerSchema };

/**
 * A fiscal document's details as the FNS asks for them (date and time, ФД number, ФП): the registration report on the
 * last step, the report on changed registration details and the FN closing report inside the application.
 */
export const fiscalReportSchema = z.object({
  dateTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'дата и время отчёта: YYYY-MM-DDTHH:mm[:ss]'),
  fiscalDocumentNumber: z.number().int().min(1).max(0xffff_ffff),
  fiscalSign: z.string().regex(/^\d{1,10}$/, 'ФП: до 10 цифр'),
});
export type RegistrationReport = z.output<typeof fiscalReportSchema>;

/** Re-registration reason «замена фискального накопителя»: the old FN is closed and the new one registered first. */
export const FN_REPLACEMENT: ReregistrationReason = '3';
/**
 * Deregistration reasons that come without the FN closing report: a stolen or lost register cannot print it, and a
 * broken FN cannot close (the FNS's format: the closing report is required unless ПрХищен, ПрПотер or ПрЗаменПолом).
 */
export const DEREGISTRATION_WITHOUT_CLOSING: readonly DeregistrationReason[] = ['2', '3', '4'];

export const registrationInput = z.object({
  kind: z.literal('registration'),
  ...common,
  place: placeSchema,
  ofd: ofdSchema.optional(),
  modes: modesSchema,
});

export const reregistrationInput = z.object({
  kind: z.literal('reregistration'),
  ...common,
  kktRegId: z.string().regex(/^\d{16}$/, 'РНМ: 16 цифр'),
  reasons: z.array(z.enum(Object.keys(REREGISTRATION_REASONS) as [ReregistrationReason, ...ReregistrationReason[]])).min(1).max(8),
  place: placeSchema,
  ofd: ofdSchema.optional(),
  modes: modesSchema,
  /** FN replacement: the old FN's closing report (form 6). */
  closingReport: fiscalReportSchema.optional(),
  /** FN replacement: the report on changed registration details (form 11) the register printed with the new FN. */
  reregistrationReport: fiscalReportSchema.optional(),
}).superRefine((a, ctx) => {
  if (!a.reasons.includes(FN_REPLACEMENT)) return;
  if (!a.closingReport) ctx.addIssue({ code: 'custom', path: ['closingReport'], message: 'при замене ФН нужны сведения об отчёте о закрытии прежнего ФН' });
  if (!a.reregistrationReport) ctx.addIssue({ code: 'custom', path: ['reregistrationReport'], message: 'при замене ФН нужны сведения об отчёте об изменении параметров регистрации с новым ФН' });
});

export const deregistrationInput = z.object({
  kind: z.literal('deregistration'),
  ...common,
  kktRegId: z.string().regex(/^\d{16}$/, 'РНМ: 16 цифр'),
  place: placeSchema.pick({ taxAuthorityCode: true }),
  reason: z.enum(Object.keys(DEREGISTRATION_REASONS) as [DeregistrationReason, ...DeregistrationReason[]]),
  /** The FN closing report (form 6): required unless the register was stolen or lost or its FN broke. */
  closingReport: fiscalReportSchema.optional(),
}).superRefine((a, ctx) => {
  if (!a.closingReport && !DEREGISTRATION_WITHOUT_CLOSING.includes(a.reason)) {
    ctx.addIssue({ code: 'custom', path: ['closingReport'], message: 'нужны сведения об отчёте о закрытии ФН (дата и время, номер ФД, ФП)' });
  }
});

export const applicationInput = z.discriminatedUnion('kind', [registrationInput, reregistrationInput, deregistrationInput]);
export type ApplicationInput = z.output<typeof applicationInput>;

/** The applicant as the organization's record has it (not typed by the customer: taken from the organization). */
export interface Applicant {
  readonly inn: string;
  readonly name: string;
  readonly kpp?: string | undefined;
}

