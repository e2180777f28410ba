/** Mandatory fields by form and FFD version (FLK_MISSING_FIELD). Sources and policy: rules.ts. */
import { FlkCodes } from '../codes.js';
import { FFD_SLOTS, ffdSlot, UNKNOWN_FFD_SLOT } from '../ffd-version.js';
import { integer, isObject, itemPath, itemsOf } from '../fields.js';
import { REQUIRED_FIELDS, type RequiredField } from '../required-fields.js';
import { ALL_FFD, FISCAL_FORMS, type FfdVersion, type Finding, type FlkDocument, type FlkRule, type RuleContext } from '../types.js';
import { push } from './finding.js';

// ---- FLK_MISSING_FIELD --------------------------------------------------------------------------------------------
// required-fields.ts (TSV parents / versions, FFD tables). Present = the key exists; a zero-length value (null / "")
// counts as present (§5: zero-length values occur for every type) and is left to the value rules.

/** The highest fiscal form code (§4). */
const MAX_FORM = 41;

interface Requirements {
  readonly document: readonly RequiredField[];
  readonly item: readonly RequiredField[];
}

const NO_REQUIREMENTS: Requirements = { document: [], item: [] };

/** requirementsBy[form][ffd slot], built once. */
const requirementsBy: Requirements[][] = [];
for (let form = 0; form <= MAX_FORM; form++) {
  const row: Requirements[] = [];
  for (let slot = 0; slot < FFD_SLOTS; slot++) {
    const applies = REQUIRED_FIELDS.filter(
      (r) => r.forms.includes(form) && (slot === UNKNOWN_FFD_SLOT ? r.ffd.length === ALL_FFD.length : r.ffd.includes(ALL_FFD[slot]!)),
    );
    row.push({ document: applies.filter((r) => r.level === 'document'), item: applies.filter((r) => r.level === 'item') });
  }
  requirementsBy.push(row);
}

function requirementsFor(form: number, ffd: FfdVersion | undefined): Requirements {
  return requirementsBy[form]?.[ffdSlot(ffd)] ?? NO_REQUIREMENTS;
}

function checkMissingFields(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const req = requirementsFor(ctx.form, ctx.ffd);
  let out: Finding[] | undefined;
  for (const r of req.document) {
    const v = doc[r.field];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) out = push(out, { field: r.field, message: `${r.tag} ${r.field} is mandatory here` });
  }
  if (req.item.length > 0) {
    const items = itemsOf(doc);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!isObject(item)) continue;
      for (const r of req.item) {
        if (item[r.field] !== undefined) continue;
        if (r.exemptPaymentTypes !== undefined) {
          const paymentType = integer(item.paymentType);
          if (paymentType !== undefined && r.exemptPaymentTypes.includes(paymentType)) continue;
        }
        out = push(out, { field: itemPath(i, r.field), message: `${r.tag} ${r.field} is mandatory in every item here` });
      }
    }
  }
  return out;
}

export const MISSING_FIELD_RULE: FlkRule = {
  code: FlkCodes.FLK_MISSING_FIELD,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Отсутствует обязательный для формы и версии ФФД реквизит',
    en: 'A field mandatory for this form and FFD version is missing',
  },
  check: checkMissingFields,
};
