/**
 * `ofd partitions [list] [--json]`: the monthly partitions of the document tables, attached or detached, with their size.
 * `ofd partitions detach YYYY-MM [--force]`: takes a month whose 5-year retention has ended out of every document table
 * at once (db/partition-retention.ts) and prints the pg_dump command that archives the detached tables.
 * `ofd partitions compact YYYY-MM [--keys]`: rebuilds a closed month's indexes packed, online (db/partition-compaction.ts),
 * with --keys also the (fn, fd) indexes of the tables that are not partitioned. Uses DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { compactMonth, type CompactedIndex } from '../../db/partition-compaction.js';
import { detachMonth, listMonthPartitions, PartitionRetentionError, type MonthPartition } from '../../db/partition-retention.js';
import { printError } from '../output.js';

const USAGE = 'usage: ofd partitions [list] [--json] | ofd partitions detach YYYY-MM [--force] | ofd partitions compact YYYY-MM [--keys]';

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

function compactionSummary(month: string, compacted: readonly CompactedIndex[]) {
  const before = compacted.reduce((n, c) => n + c.bytesBefore, 0);
  const after = compacted.reduce((n, c) => n + c.bytesAfter, 0);
  return { month, indexes: compacted.length, bytesBefore: before, bytesAfter: after, saved: before - after, compacted };
}

/**
 * Tables a month's rows refer to that no month owns: the receipt item names their ids stand for (migration 0070), and
 * the drive contexts its raw containers are packed with (migration 0081: without them a codec-2 container cannot be
 * unpacked). The archive carries them whole, so a month restored on its own reads its items by name and its bytes.
 */
export const ARCHIVED_WITH_EVERY_MONTH = ['item_name_dictionary', 'raw_contexts'] as const;

/** The archive step: one custom-format dump of the month's detached tables (restorable with pg_restore). */
export function archiveCommand(month: string, tables: readonly string[]): string {
  const dumped = [...tables, ...ARCHIVED_WITH_EVERY_MONTH];
  return `pg_dump --format=custom --dbname="$DATABASE_URL" ${dumped.map((t) => `--table=${t}`).join(' ')} --file=ofd-${month}.dump`;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, force: { type: 'boolean' }, keys: { type: 'boolean' } },
    });
  } catch {
    printError('CLI_USAGE', USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action = 'list', month, ...extra] = positionals;
  if (extra.length > 0 || !['list', 'detach', 'compact'].includes(action) || (action !== 'list' && month === undefined)) {
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
    if (action === 'compact') {
      const compacted = await compactMonth(handle.db, month!, {
        keys: values.keys === true,
        // Progress on stderr (a month of a large installation takes a while); the result alone on stdout.
        onIndex: (ix) => process.stderr.write(`[${ix.position}/${ix.of}] ${ix.index} (${megabytes(ix.bytes)} MB)\n`),
      });
      process.stdout.write(`${JSON.stringify(compactionSummary(month!, compacted))}\n`);
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
