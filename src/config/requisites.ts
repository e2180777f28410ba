/** OFD_REQUISITES: the operator's requisites printed on invoices and acts. */
import { z } from 'zod';
import { DEFAULT_OPERATOR_INN } from './defaults.js';

export const requisitesSchema = z.object({
  name: z.string().min(1).max(300),
  inn: z.string().regex(/^(\d{10}|\d{12})$/),
  kpp: z.string().regex(/^\d{9}$/).optional(),
  address: z.string().max(500).default(''),
  bank: z.string().min(1).max(300),
  bik: z.string().regex(/^\d{9}$/),
  account: z.string().regex(/^\d{20}$/),
  correspondentAccount: z.string().regex(/^\d{20}$/),
});
export type OperatorRequisites = z.infer<typeof requisitesSchema>;
/** Placeholders for development: set OFD_REQUISITES in production. */
export const DEFAULT_REQUISITES: OperatorRequisites = {
  name: 'ООО «Оператор фискальных данных» (реквизиты не настроены)',
  inn: DEFAULT_OPERATOR_INN,
  kpp: '770401001',
  address: '',
  bank: 'Банк (реквизиты не настроены)',
  bik: '044525000',
  account: '40702810000000000000',
  correspondentAccount: '30101810000000000000',
};
