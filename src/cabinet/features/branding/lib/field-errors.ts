import type { FormInstance } from 'antd';
import { ApiFailure } from '../../../lib/api/errors';

/** The API's field issues (`body.banners.0.url`) on the form's fields, nested names included; true when any was placed. */
export function showFieldErrors(form: FormInstance, e: unknown): boolean {
  if (!(e instanceof ApiFailure)) return false;
  const fields = e.details
    .filter((d) => d.path.startsWith('body.'))
    .map((d) => ({ name: d.path.slice(5).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), errors: [`Проверьте значение: ${d.message}`] }));
  form.setFields(fields);
  return fields.length > 0;
}
