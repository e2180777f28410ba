import type { FormInstance } from 'antd';
import { ApiFailure } from '../../../lib/api/errors';

/** Puts the API's field issues (`body.email`) on the form's fields; true when any was placed. */
export function applyFieldErrors(form: FormInstance, e: unknown, fieldOf: Record<string, string>): boolean {
  if (!(e instanceof ApiFailure) || e.details.length === 0) return false;
  const fields = new Map<string, string[]>();
  for (const d of e.details) {
    const name = fieldOf[d.path];
    if (name === undefined) continue;
    fields.set(name, [...(fields.get(name) ?? []), 'Значение не принято сервером: проверьте его']);
  }
  form.setFields([...fields].map(([name, errors]) => ({ name, errors: [...new Set(errors)] })));
  return fields.size > 0;
}
