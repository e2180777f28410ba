/**
 * Runs the rule table (rules.ts) over one decoded document. The rules applicable to each form × FFD version are picked
 * once, at load; per document the work is the rules' own field reads.
 */
import { FFD_SLOTS, ffdOfDocument, ffdSlot, UNKNOWN_FFD_SLOT } from './ffd-version.js';
import { RULES } from './rules.js';
import { ALL_FFD, type FfdVersion, type FlkContext, type FlkDocument, type FlkFailure, type FlkResult, type FlkRule, type RuleContext } from './types.js';

export { ffdOfDocument };

/** Form codes are below this (§4: 1 … 84). */
const FORM_LIMIT = 100;
const NO_RULES: readonly FlkRule[] = [];

/** rulesBy[form][ffd slot]; documents whose 1209 is unknown get only the rules that hold in every FFD version. */
const rulesBy: (readonly FlkRule[])[][] = [];
for (let form = 0; form < FORM_LIMIT; form++) {
  const row: (readonly FlkRule[])[] = [];
  for (let slot = 0; slot < FFD_SLOTS; slot++) {
    row.push(
      RULES.filter((r) => r.forms.includes(form) && (slot === UNKNOWN_FFD_SLOT ? r.ffd.length === ALL_FFD.length : r.ffd.includes(ALL_FFD[slot]!))),
    );
  }
  rulesBy.push(row);
}

/** The rules that run for `form` at FFD `ffd` (undefined = unknown 1209), in table order. */
export function rulesFor(form: number, ffd: FfdVersion | undefined): readonly FlkRule[] {
  return rulesBy[form]?.[ffdSlot(ffd)] ?? NO_RULES;
}

/**
 * ФЛК of one document: `doc` is the object inside `{ "<formName>": { code, ...fields } }` (§9), `ctx` what the container
 * and the gateway know. Failures come in rule-table order; `ok` when there are none.
 */
export function checkDocument(doc: FlkDocument, ctx: FlkContext): FlkResult {
  return checkDocumentAs(doc, ctx, ffdOfDocument(doc));
}

/** checkDocument with the FFD version already read (the inspector needs it too). */
export function checkDocumentAs(doc: FlkDocument, ctx: FlkContext, ffd: FfdVersion | undefined): FlkResult {
  const rules = rulesFor(ctx.form, ffd);
  const ruleCtx: RuleContext = {
    form: ctx.form,
    fiscalDriveNumber: ctx.fiscalDriveNumber,
    fiscalDocumentNumber: ctx.fiscalDocumentNumber,
    receivedAt: ctx.receivedAt,
    ffd,
  };
  const failures: FlkFailure[] = [];
  for (const rule of rules) {
    const found = rule.check(doc, ruleCtx);
    if (found === undefined) continue;
    for (const f of found) {
      failures.push(f.field === undefined ? { code: rule.code, message: f.message } : { code: rule.code, field: f.field, message: f.message });
    }
  }
  return { ok: failures.length === 0, failures };
}
