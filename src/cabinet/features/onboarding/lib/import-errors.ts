import type { FieldIssue } from '../../../lib/api/errors';

export interface FileError {
  key: number;
  row: number;
  column: string;
  message: string;
}

/** IMPORT_INVALID's details (`file.rows.12.B`) as rows of the error report, by row then column. */
export function fileErrors(details: readonly FieldIssue[]): FileError[] {
  return details
    .flatMap((d) => {
      const m = /^file\.rows\.(\d+)\.([A-Z]+)$/.exec(d.path);
      return m ? [{ row: Number(m[1]), column: m[2]!, message: d.message }] : [];
    })
    .sort((a, b) => a.row - b.row || a.column.localeCompare(b.column))
    .map((e, key) => ({ key, ...e }));
}
