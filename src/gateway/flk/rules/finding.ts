/** Helpers every ФЛК rule group uses to report a finding. */
import type { Finding } from '../types.js';

/** A value for a message: never throws (bigint, nested objects, cycles). */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

export function push(out: Finding[] | undefined, finding: Finding): Finding[] {
  if (out === undefined) return [finding];
  out.push(finding);
  return out;
}
