/**
 * `ofd rollups rebuild --from YYYY-MM-DD --to YYYY-MM-DD`: recomputes the report rollups (hourly, daily, items) of the
 * local days [from, to) from the stored documents (db/rollups.repository.ts rebuildRollups), in one transaction; the
 * workers' own rollup updates wait for it, so the result is exact while documents keep arriving. Run it after
 * `ofd reprocess` has applied a decoder fix that changes an item's quantity or sum: those are not stored (migration
 * 0066) but decoded from the raw bytes, so reprocess cannot take the old values out of the item rollups. Uses
 * DATABASE_URL. Prints a JSON summary; the days are local (the register's wall clock), as the reports are.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { rebuildRollups } from '../../db/rollups.repository.js';
import { printError } from '../output.js';

const USAGE = 'usage: ofd rollups rebuild --from YYYY-MM-DD --to YYYY-MM-DD   (days [from, to), local)';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface RollupsDeps {
  /** Default: DATABASE_URL (validated with the rest of the configuration). */
  readonly databaseUrl?: string;
  /** Default: process.stdout. */
  readonly write?: (text: string) => void;
}

const isDay = (s: string | undefined): s is string => s !== undefined && DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export async function run(argv: string[], deps: RollupsDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' } } });
  } catch (e) {
    printError('CLI_USAGE', `${(e as Error).message}; ${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'rebuild') {
    printError('CLI_USAGE', USAGE);
    return 2;
  }
  if (!isDay(values.from) || !isDay(values.to) || values.from >= values.to) {
    printError('CLI_USAGE', `--from and --to are calendar days, from before to, got ${JSON.stringify(values.from)} and ${JSON.stringify(values.to)}; ${USAGE}`);
    return 2;
  }
  const handle = createDb(deps.databaseUrl ?? loadConfig().databaseUrl, { applicationName: 'ofd-rollups', maxConnections: 1 });
  try {
    const started = Date.now();
    await rebuildRollups(handle.db, { from: values.from, to: values.to });
    (deps.write ?? ((t: string) => void process.stdout.write(t)))(`${JSON.stringify({ rebuilt: { from: values.from, to: values.to }, ms: Date.now() - started })}\n`);
    return 0;
  } finally {
    await handle.close();
  }
}
