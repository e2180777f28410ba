/**
 * The manual top-up form's rules (the API's: 0,01 ₽ … 100 000 000 ₽ in kopecks, a reason of 1–200 characters) and its
 * idempotency key. The key belongs to one intended credit, not to one click: a double click or a retry after a lost
 * answer resends the same amount and reason with the same key, so the API credits once; a changed amount or reason
 * is another credit and gets a new key, and so does the next credit after a success.
 */
import type { FieldIssue } from '../../../lib/api/errors';
import { parseRubles } from '../../../lib/format';

export const MAX_TOP_UP = 100_000_000_00;
export const COMMENT_MAX = 200;

export type TopUpField = 'amount' | 'comment';
export interface TopUpValues {
  amount: string;
  comment: string;
}

export const TOP_UP_RULES: Record<TopUpField, string> = {
  amount: 'Укажите сумму в рублях, от 0,01 до 100 000 000 ₽, например 1500 или 1 500,50.',
  comment: `Укажите основание зачисления (до ${COMMENT_MAX} символов): например, «Оплата наличными в офисе, ПКО № 12».`,
};

export function topUpAmount(text: string): number | undefined {
  const k = parseRubles(text);
  return k !== undefined && k >= 1 && k <= MAX_TOP_UP ? k : undefined;
}

/** The problems the API would find, by field; empty when the form may be sent. */
export function topUpProblems(v: TopUpValues): Partial<Record<TopUpField, string>> {
  const p: Partial<Record<TopUpField, string>> = {};
  if (topUpAmount(v.amount) === undefined) p.amount = TOP_UP_RULES.amount;
  const comment = v.comment.trim();
  if (comment.length < 1 || comment.length > COMMENT_MAX) p.comment = TOP_UP_RULES.comment;
  return p;
}

/** The API's 400 issues on the form's fields, with the rule in words. */
export function topUpFieldsOfIssues(issues: readonly FieldIssue[]): Array<{ name: TopUpField; errors: string[] }> {
  const names = new Set<TopUpField>();
  for (const i of issues) {
    if (i.path === 'body.amount') names.add('amount');
    if (i.path === 'body.comment') names.add('comment');
  }
  return [...names].map((name) => ({ name, errors: [TOP_UP_RULES[name]] }));
}

function randomKey(): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `manual:${random}`;
}

/** Hands out the key for a credit: the same while the organization, amount and reason stay the same, until `done()`. */
export class TopUpKeys {
  private current: { what: string; key: string } | undefined;
  constructor(private readonly newKey: () => string = randomKey) {}

  keyFor(organizationId: number, amount: number, comment: string): string {
    const what = `${organizationId}|${amount}|${comment.trim()}`;
    if (this.current?.what !== what) this.current = { what, key: this.newKey() };
    return this.current.key;
  }

  /** The credit went through: the next one is new. */
  done(): void {
    this.current = undefined;
  }
}
