/**
 * `ofd reprocess [--fn FN] [--since ISO] [--batch N]`: rebuilds the FNS JSON and derived rows (items, marking codes,
 * shift running totals, report rollups) of the stored documents in DATABASE_URL from their raw bytes, after a decoder
 * fix, in batches of N (default 500) per transaction; raw bytes are never written. `--fn` limits it to one fiscal
 * drive, `--since` to documents received at or after an instant (ISO 8601 with a zone, or a date = its UTC midnight).
 * Safe to run while workers store documents, and to run again. Prints a JSON summary; progress goes to stderr; exit 1
 * if any document that decoded before does not decode now.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { DbError, DbErrorCodes, isUnavailableError } from '../../db/errors.js';
import { createLogger } from '../../observability/logger.js';
import { DEFAULT_REPROCESS_BATCH, reprocessDocuments } from '../../workers/persist/reprocess.js';
import { printError } from '../output.js';

const USAGE = 'usage: ofd reprocess [--fn FN] [--since ISO] [--batch N]';
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export interface ReprocessDeps {
  /** Default: DATABASE_URL (validated with the rest of the configuration). */
  readonly databaseUrl?: string;
  /** Default: process.stdout. */
  readonly write?: (text: string) => void;
  /** Progress lines; default process.stderr. */
  readonly progress?: (text: string) => void;
  /** Default: OFD_STORE_USUAL_AS_NULL (false when databaseUrl is given). */
  readonly usualAsNull?: boolean;
}

export async function run(argv: string[], deps: ReprocessDeps = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { fn: { type: 'string' }, since: { type: 'string' }, batch: { type: 'string' }, quiet: { type: 'boolean', default: false } },
    }));
  } catch (e) {
    printError('CLI_USAGE', `${(e as Error).message}; ${USAGE}`);
    return 2;
  }
  if (values.fn !== undefined && !/^\d{1,16}$/.test(values.fn)) {
    printError('CLI_USAGE', `--fn is an FN number (up to 16 digits), got ${JSON.stringify(values.fn)}`);
    return 2;
  }
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = new Date(values.since);
    if (!ISO_INSTANT.test(values.since) || Number.isNaN(since.getTime())) {
      printError('CLI_USAGE', `--since is an ISO 8601 date or instant with a zone (2026-11-01, 2026-11-01T00:00:00+03:00), got ${JSON.stringify(values.since)}`);
      return 2;
    }
  }
  const batchSize = values.batch === undefined ? DEFAULT_REPROCESS_BATCH : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    printError('CLI_USAGE', `--batch is an integer 1–10000, got ${JSON.stringify(values.batch)}`);
    return 2;
  }

  const config = deps.databaseUrl === undefined ? loadConfig() : undefined;
  const handle = createDb(deps.databaseUrl ?? config!.databaseUrl, { applicationName: 'ofd-reprocess', maxConnections: 2 });
  const progress = deps.progress ?? ((text: string) => void process.stderr.write(text));
  try {
    const summary = await reprocessDocuments(handle.db, createLogger({ level: 'warn', destination: process.stderr }), {
      batchSize,
      // As the persist worker stores them (OFD_STORE_USUAL_AS_NULL).
      usualAsNull: deps.usualAsNull ?? config?.persist.usualAsNull ?? false, // false: only a test passes databaseUrl
      ...(values.fn === undefined ? {} : { fn: values.fn }),
      ...(since === undefined ? {} : { since }),
      ...(values.quiet ? {} : { onBatch: (s) => progress(`reprocess: ${s.scanned} scanned, ${s.rebuilt} rebuilt, ${s.changed} changed\n`) }),
    }).catch((e: unknown) => {
      if (isUnavailableError(e)) throw new DbError(DbErrorCodes.DB_UNAVAILABLE, `PostgreSQL unavailable: ${(e as Error).message}`, { cause: e });
      throw e;
    });
    const write = deps.write ?? ((text: string) => void process.stdout.write(text));
    write(`${JSON.stringify(summary)}\n`);
    // Item quantities and sums are decoded, not stored (migration 0066): reprocess cannot take their old values out.
    if (summary.changed > 0) progress('reprocess: documents changed; if the fix changes an item\'s quantity or sum, run `ofd rollups rebuild --from YYYY-MM-DD --to YYYY-MM-DD` over their days\n');
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await handle.close();
  }
}
