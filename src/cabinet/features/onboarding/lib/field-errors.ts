import type { FormInstance } from 'antd';
import { ApiFailure } from '../../../lib/api/errors';

/**
 * Puts the API's field issues (`body.kpp: expected …`) on the form's fields, with the server's explanation (the
 * requisites' rules are the server's: check digits); true when any was placed.
 */
export function applyFieldErrors(form: FormInstance, e: unknown, prefix = 'body.'): boolean {
  if (!(e instanceof ApiFailure) || e.details.length === 0) return false;
  const fields = new Map<string, string[]>();
  for (const d of e.details) {
    if (!d.path.startsWith(prefix)) continue;
    const name = d.path.slice(prefix.length).split('.')[0]!;
    fields.set(name, [...(fields.get(name) ?? []), `Проверьте значение: ${d.message}`]);
  }
  form.setFields([...fields].map(([name, errors]) => ({ name, errors: [...new Set(errors)] })));
  return fields.size > 0;
}
