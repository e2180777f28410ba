/**
 * `ofd show <fn> <fd> [--json]`: the stored document (fn, fd) from DATABASE_URL as
 * `{ "document": { "<formName>": { …FNS JSON…, "messageFiscalSign", "rawData" } }, "status": { …lifecycle… } }` —
 * the same view as the API's GET /api/v1/documents/{fn}/{fd}. Indented by default; `--json` prints it on one line.
 * A document not stored: `error DOC_NOT_FOUND: …`, exit 1.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { findDocumentView } from '../../db/document-view.repository.js';
import { DbError, DbErrorCodes, isUnavailableError } from '../../db/errors.js';
import { printError } from '../output.js';

const USAGE = 'usage: ofd show <fn> <fd> [--json]';
const FN = /^\d{1,16}$/;
const FD = /^\d{1,10}$/;
const MAX_FD = 0xffff_ffff;

export interface ShowDeps {
  /** Default: DATABASE_URL (validated with the rest of the configuration). */
  readonly databaseUrl?: string;
  /** Default: process.stdout. */
  readonly write?: (text: string) => void;
}

export async function run(argv: string[], deps: ShowDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (e) {
    printError('CLI_USAGE', `${(e as Error).message}; ${USAGE}`);
    return 2;
  }
  const [fn, fdText, ...extra] = parsed.positionals;
  if (fn === undefined || fdText === undefined || extra.length > 0) {
    printError('CLI_USAGE', USAGE);
    return 2;
  }
  if (!FN.test(fn)) {
    printError('CLI_USAGE', `the FN number is up to 16 digits, got ${JSON.stringify(fn)}`);
    return 2;
  }
  const fd = Number(fdText);
  if (!FD.test(fdText) || fd < 1 || fd > MAX_FD) {
    printError('CLI_USAGE', `the FD number is an integer 1–${MAX_FD}, got ${JSON.stringify(fdText)}`);
    return 2;
  }

  const handle = createDb(deps.databaseUrl ?? loadConfig().databaseUrl, { applicationName: 'ofd-show', maxConnections: 2 });
  try {
    const view = await findDocumentView(handle.db, fn, fd).catch((e: unknown) => {
      if (isUnavailableError(e)) throw new DbError(DbErrorCodes.DB_UNAVAILABLE, `PostgreSQL unavailable: ${(e as Error).message}`, { cause: e });
      throw e;
    });
    if (view === undefined) {
      printError('DOC_NOT_FOUND', `no document FN ${fn} FD ${fd} is stored`);
      return 1;
    }
    const write = deps.write ?? ((text: string) => void process.stdout.write(text));
    write(`${JSON.stringify(view, null, parsed.values.json ? undefined : 2)}\n`);
    return 0;
  } finally {
    await handle.close();
  }
}
