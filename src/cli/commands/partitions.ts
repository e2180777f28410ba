/**
 * `ofd partitions [list] [--json]`: the monthly partitions of the document tables, attached or detached, with their size.
 * `ofd partitions detach YYYY-MM [--force]`: takes a month whose 5-year retention has ended out of every document table
 * at once (db/partition-retention.ts) and prints the pg_dump command that archives the detached tables. Uses DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { detachMonth, listMonthPartitions, PartitionRetentionError, type MonthPartition } from '../../db/partition-retention.js';
import { printError } from '../output.js';

const USAGE = 'usage: ofd partitions [list] [--json] | ofd partitions detach YYYY-MM [--force]';

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function table(partitions: readonly MonthPartition[]): string {
  const lines = ['month    state     rows(est)       MB  table'];
  for (const p of partitions) {
    lines.push(`${p.month}  ${p.state.padEnd(8)}  ${String(p.estimatedRows).padStart(9)}  ${megabytes(p.bytes).padStart(7)}  ${p.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The archive step: one custom-format dump of the month's detached tables (restorable with pg_restore). */
export function archiveCommand(month: string, tables: readonly string[]): string {
  return `pg_dump --format=custom --dbname="$DATABASE_URL" ${tables.map((t) => `--table=${t}`).join(' ')} --file=ofd-${month}.dump`;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, force: { type: 'boolean' } } });
  } catch {
    printError('CLI_USAGE', USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action = 'list', month, ...extra] = positionals;
  if (extra.length > 0 || !['list', 'detach'].includes(action) || (action === 'detach' && month === undefined)) {
    printError('CLI_USAGE', USAGE);
    return 2;
  }
  const config = loadConfig();
  const handle = createDb(config.databaseUrl, { applicationName: 'ofd-partitions', maxConnections: 1 });
  try {
    if (action === 'list') {
      const partitions = await listMonthPartitions(handle.db);
      process.stdout.write(values.json ? `${JSON.stringify({ partitions })}\n` : table(partitions));
      return 0;
    }
    const detached = await detachMonth(handle.db, month!, { force: values.force === true });
    process.stdout.write(`${JSON.stringify({ month, detached, archive: archiveCommand(month!, detached), then: `drop table ${detached.join(', ')}` })}\n`);
    return 0;
  } catch (e) {
    if (e instanceof PartitionRetentionError) {
      printError(e.code, e.message);
      return 1;
    }
    throw e;
  } finally {
    await handle.close();
  }
}
