/** The document's date-time (FLK_DATE). Sources and policy: rules.ts. */
import { formatUnixtime } from '../../../../protocol/values.js';
import { FlkCodes } from '../codes.js';
import { ALL_FFD, FISCAL_FORMS, type Finding, type FlkDocument, type FlkRule, type RuleContext } from '../types.js';
import { show } from './finding.js';

// ---- FLK_DATE -----------------------------------------------------------------------------------------------------
// 54-FZ online registers start in July 2016: nothing fiscal predates 2016-07-01. 1012 is local wall time written as if
// UTC (§5); Russian offsets are +2…+12 h, so local time may read up to 12 h ahead of the UTC receive instant: allow one
// day plus 12 h (A). Both bounds compare as text: the decoder's "YYYY-MM-DDTHH:mm:ss" sorts chronologically.

const EARLIEST_DATE_TIME = '2016-07-01T00:00:00';
const MAX_AHEAD_SECONDS = 24 * 3600 + 12 * 3600;

const DASH = 0x2d;
const COLON = 0x3a;
const LETTER_T = 0x54;

function looksLikeDateTime(s: string): boolean {
  return (
    s.length === 19 &&
    s.charCodeAt(4) === DASH &&
    s.charCodeAt(7) === DASH &&
    s.charCodeAt(10) === LETTER_T &&
    s.charCodeAt(13) === COLON &&
    s.charCodeAt(16) === COLON
  );
}

/**
 * The latest accepted 1012 for a receive second. Documents arrive many per second, so the text of the last bound is
 * kept: a pure function of its argument, memoised, not state that changes an outcome.
 */
let boundSecond = Number.NaN;
let boundText = '';
function latestDateTime(receivedSecond: number): string {
  if (receivedSecond !== boundSecond) {
    boundText = formatUnixtime(receivedSecond + MAX_AHEAD_SECONDS);
    boundSecond = receivedSecond;
  }
  return boundText;
}

function checkDate(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const v = doc.dateTime;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !looksLikeDateTime(v)) return [{ field: 'dateTime', message: `1012 = ${show(v)} is not a date-time` }];
  if (v < EARLIEST_DATE_TIME) return [{ field: 'dateTime', message: `1012 = ${v} is before ${EARLIEST_DATE_TIME}` }];
  const receivedMs = ctx.receivedAt.getTime();
  if (Number.isFinite(receivedMs) && v > latestDateTime(Math.floor(receivedMs / 1000))) {
    return [{ field: 'dateTime', message: `1012 = ${v} is more than a day after the document was received` }];
  }
  return undefined;
}

export const DATE_RULE: FlkRule = {
  code: FlkCodes.FLK_DATE,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Дата, время (1012) раньше 01.07.2016 или более чем на сутки позже приёма документа',
    en: 'Date-time (1012) before 2016-07-01 or more than a day after the document was received',
  },
  check: checkDate,
};
