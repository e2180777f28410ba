/**
 * `--record <dir>`: every document message the emulator sends becomes a fixture — `<fn>-<fd>.bin` (raw bytes, or
 * `.hex`) and `<fn>-<fd>.json`, the JSON `decodeDocument` must give back for it (the generated fields plus the printed
 * `fiscalSign`). A `tamperRate` first send is a transient fault and is not recorded; the valid message is.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printedFiscalSign, type DocumentMessage } from './document-message.js';
import type { GeneratedDocument } from './document-stream.js';
import { ToolError } from './errors.js';

export type RecordFormat = 'bin' | 'hex';

/** The decoded form of a generated document: its fields, then 1077 (appended last on the wire). */
export function expectedDocumentJson(doc: GeneratedDocument, message: DocumentMessage): Record<string, unknown> {
  return { [doc.formName]: { ...doc.fields(), fiscalSign: printedFiscalSign(message.fiscalSign) } };
}

export class FixtureRecorder {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly format: RecordFormat = 'bin',
  ) {}

  async record(fiscalDriveNumber: string, doc: GeneratedDocument, message: DocumentMessage): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    const base = path.join(this.dir, `${fiscalDriveNumber}-${doc.fiscalDocumentNumber}`);
    try {
      await this.ready;
      await Promise.all([
        writeFile(`${base}.${this.format}`, this.format === 'hex' ? `${message.bytes.toString('hex')}\n` : message.bytes),
        writeFile(`${base}.json`, `${JSON.stringify(expectedDocumentJson(doc, message), null, 2)}\n`),
      ]);
    } catch (e) {
      throw new ToolError('CLI_RECORD_FAILED', `cannot write ${base}.*: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
