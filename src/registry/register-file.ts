/**
 * The register import file (issue 16): an xlsx with one register per row — KKT serial number, FN number, an optional
 * partner code — its downloadable template, and per-row validation naming the row and column of each error.
 *
 * Numbers typed into Excel as numbers lose leading zeros, and a 16-digit FN exceeds what a spreadsheet number keeps
 * exactly: the template formats the columns as text, and a numeric FN cell that is not exact is an error, not a guess.
 */
import ExcelJS from 'exceljs';

export const REGISTER_FILE_COLUMNS = [
  { column: 'A', field: 'serialNumber', title: 'Заводской номер ККТ', width: 24 },
  { column: 'B', field: 'fn', title: 'Номер ФН', width: 22 },
  { column: 'C', field: 'partnerCode', title: 'Код партнёра (необязательно)', width: 30 },
] as const;

/** More rows than this is an error of the file as a whole. */
export const REGISTER_FILE_MAX_ROWS = 20_000;

export interface RegisterFileRow {
  /** The spreadsheet row number (1-based; row 1 is the header). */
  row: number;
  serialNumber: string;
  fn: string;
  partnerCode: string | null;
}

export interface RegisterFileError {
  row: number;
  column: string;
  field: string;
  message: string;
}

export interface ParsedRegisterFile {
  /** Data rows read (empty rows skipped). */
  total: number;
  valid: RegisterFileRow[];
  errors: RegisterFileError[];
  /** Rows with at least one error. */
  invalidRows: number;
}

export const SERIAL_PATTERN = /^\d{6,20}$/;
export const FN_PATTERN = /^\d{16}$/;
export const PARTNER_CODE_PATTERN = /^[0-9A-Za-z_-]{1,50}$/;

export async function registerFileTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Кассы');
  ws.columns = REGISTER_FILE_COLUMNS.map((c) => ({ header: c.title, key: c.field, width: c.width, style: { numFmt: '@' } }));
  ws.getRow(1).font = { bold: true };
  ws.addRow({ serialNumber: '0001234567890123', fn: '9999078900001234', partnerCode: '' });
  const help = wb.addWorksheet('Как заполнить');
  for (const line of [
    'Одна строка — одна касса. Первая строка листа «Кассы» — заголовок, не меняйте его; строку-пример удалите.',
    'Заводской номер ККТ — от 6 до 20 цифр, как на корпусе кассы и в её паспорте.',
    'Номер ФН — 16 цифр, как на фискальном накопителе.',
    'Код партнёра — если кассу подключает партнёр ОФД (буквы, цифры, _ и -).',
    'Ячейки отформатированы как текст: не меняйте формат, иначе Excel потеряет ведущие нули и последние цифры номера ФН.',
  ]) {
    help.addRow([line]);
  }
  help.getColumn(1).width = 120;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A cell's text: strings trimmed, exact integers as digits; undefined for an inexact number (error). */
function cellText(value: ExcelJS.CellValue): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value === 'object' && 'richText' in value) return value.richText.map((t) => t.text).join('').trim();
  if (typeof value === 'object' && 'result' in value) return cellText(value.result as ExcelJS.CellValue);
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text.trim();
  return undefined;
}

export class RegisterFileUnreadable extends Error {
  override readonly name = 'RegisterFileUnreadable';
}

export async function parseRegisterFile(file: Buffer): Promise<ParsedRegisterFile> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(file as unknown as ArrayBuffer);
  } catch (e) {
    throw new RegisterFileUnreadable(`not an xlsx file: ${(e as Error).message}`);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new RegisterFileUnreadable('the file has no worksheet');
  if (ws.rowCount - 1 > REGISTER_FILE_MAX_ROWS) throw new RegisterFileUnreadable(`more than ${REGISTER_FILE_MAX_ROWS} rows: split the file`);

  const errors: RegisterFileError[] = [];
  const valid: RegisterFileRow[] = [];
  const serialRow = new Map<string, number>();
  const fnRow = new Map<string, number>();
  let total = 0;
  let invalidRows = 0;
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber === 1) return;
    const [serial, fn, partner] = [1, 2, 3].map((i) => cellText(row.getCell(i).value));
    if (serial === '' && fn === '' && (partner === '' || partner === undefined)) return;
    total++;
    const rowErrors: RegisterFileError[] = [];
    const err = (column: 'A' | 'B' | 'C', message: string) =>
      rowErrors.push({ row: rowNumber, column, field: REGISTER_FILE_COLUMNS.find((c) => c.column === column)!.field, message });
    if (serial === undefined) err('A', 'число не помещается в ячейку точно: введите номер как текст');
    else if (serial === '') err('A', 'не заполнен заводской номер ККТ');
    else if (!SERIAL_PATTERN.test(serial)) err('A', 'заводской номер ККТ — от 6 до 20 цифр');
    else if (serialRow.has(serial)) err('A', `заводской номер повторяется (строка ${serialRow.get(serial)})`);
    if (fn === undefined) err('B', 'число не помещается в ячейку точно: введите номер ФН как текст');
    else if (fn === '') err('B', 'не заполнен номер ФН');
    else if (!FN_PATTERN.test(fn)) err('B', 'номер ФН — 16 цифр');
    else if (fnRow.has(fn)) err('B', `номер ФН повторяется (строка ${fnRow.get(fn)})`);
    if (partner === undefined || (partner !== '' && !PARTNER_CODE_PATTERN.test(partner))) err('C', 'код партнёра — до 50 букв, цифр, _ и -');
    if (serial !== undefined && serial !== '' && !serialRow.has(serial)) serialRow.set(serial, rowNumber);
    if (fn !== undefined && fn !== '' && !fnRow.has(fn)) fnRow.set(fn, rowNumber);
    if (rowErrors.length > 0) {
      invalidRows++;
      errors.push(...rowErrors);
    } else {
      valid.push({ row: rowNumber, serialNumber: serial!, fn: fn!, partnerCode: partner === '' ? null : partner! });
    }
  });
  return { total, valid, errors, invalidRows };
}
