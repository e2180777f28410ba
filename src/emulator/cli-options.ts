/** Reading numeric command-line values for `ofd emulate` / `ofd replay`: a bad one is a usage error naming the option. */
import { ToolError } from './errors.js';

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function numberOption(name: string, text: string | undefined, rule: NumberRule = {}): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max);
  if (!ok) {
    const kind = rule.integer ? 'an integer' : 'a number';
    const range =
      rule.min !== undefined && rule.max !== undefined
        ? `${kind} in ${rule.min}…${rule.max}`
        : `${kind}${rule.min !== undefined ? ` ≥ ${rule.min}` : ''}${rule.max !== undefined ? ` ≤ ${rule.max}` : ''}`;
    throw new ToolError('CLI_USAGE', `--${name} ${JSON.stringify(text)}: expected ${range}`);
  }
  return n;
}

/** A share or rate within 0…1. */
export function shareOption(name: string, text: string | undefined): number | undefined {
  return numberOption(name, text, { min: 0, max: 1 });
}

/** `--marking-port N`: the OFD's marking port (spec §6) for the marking traffic; absent = off. */
export function markingPortOption(text: string | undefined): number | undefined {
  return numberOption('marking-port', text, { min: 1, max: 65535, integer: true });
}
