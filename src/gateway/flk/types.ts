/**
 * Format-logical control (ФЛК): the types shared by the rule table, the checker and the inspector.
 *
 * A rule looks at one decoded document (the FNS JSON fields of one form, §9: money in integer kopecks, FVLN quantities as
 * numbers or exact decimal strings, padded strings trimmed, `dateTime` as local `YYYY-MM-DDTHH:mm:ss`, repeated tags as
 * arrays) and reports findings. A finding acks the register's document with 1022 = 14 and sets its ФЛК flag (§3.4), so
 * every rule is written to stay silent where the FFD leaves room, and never throws on an unexpected JSON shape.
 */
import type { FfdVersion } from '../../../protocol/tags/index.js';
import type { FlkCode } from './codes.js';

export type { FfdVersion };

/** Every FFD version (tag 1209: 1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2). */
export const ALL_FFD: readonly FfdVersion[] = ['1.0', '1.05', '1.1', '1.2'];
/** FFD 1.05 and later. */
export const FFD_105_PLUS: readonly FfdVersion[] = ['1.05', '1.1', '1.2'];
export const FFD_12: readonly FfdVersion[] = ['1.2'];

/** The fiscal document forms the ФЛК covers (§4); 7 (the operator's own ack) and 81–84 (marking) have no rules. */
export const FISCAL_FORMS: readonly number[] = [1, 11, 2, 21, 3, 31, 4, 41, 5, 6];
/** Settlement documents: receipt, correction receipt, БСО, БСО correction. */
export const SETTLEMENT_FORMS: readonly number[] = [3, 31, 4, 41];

/** One decoded document's fields: the value of `{ "<formName>": { code, ...fields } }`. Read-only to the rules. */
export type FlkDocument = Readonly<Record<string, unknown>>;

/** What the container and the gateway know about a document, beside its own fields. */
export interface FlkContext {
  /** Form code from the container header (§2.1 document type). */
  form: number;
  /** FN number from the container header (§2.1), F padding removed. */
  fiscalDriveNumber: string;
  /** FD number from the container header (§2.1). */
  fiscalDocumentNumber: number;
  /** When the gateway received the document (a real instant). Rules never read the clock themselves. */
  receivedAt: Date;
}

export interface FlkFailure {
  /** Stable rule code (FlkCodes). */
  code: string;
  /** JSON path of the offending field, e.g. `items[2].sum`, when one field is to blame. */
  field?: string;
  message: string;
}

export interface FlkResult {
  ok: boolean;
  failures: FlkFailure[];
}

/** What a rule sees: the container context plus the document's declared FFD version. */
export interface RuleContext extends FlkContext {
  /** From 1209 (absent → 1.0); undefined when 1209 holds a value no FFD defines. */
  ffd: FfdVersion | undefined;
}

/** One problem a rule found; the checker adds the rule's code. */
export interface Finding {
  field?: string;
  message: string;
}

export interface FlkRule {
  readonly code: FlkCode;
  /** Forms the rule applies to. */
  readonly forms: readonly number[];
  /** FFD versions the rule applies to. Documents whose 1209 is unknown only get rules that apply to every version. */
  readonly ffd: readonly FfdVersion[];
  readonly description: { readonly ru: string; readonly en: string };
  /** Undefined when the document passes. Must not throw; the outcome depends on the arguments only. */
  check(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined;
}
