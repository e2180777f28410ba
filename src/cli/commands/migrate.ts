/**
 * `ofd migrate [--down N]`: brings DATABASE_URL's schema to the latest migration and creates the document partitions
 * for the months ahead; `--down N` reverts the newest N migrations, in one transaction. Prints the steps taken as JSON.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createDb } from '../../db/database.js';
import { migrateDown, migrateToLatest } from '../../db/migrate.js';
import { ensureDocumentPartitions } from '../../db/partitions.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { down: { type: 'string' } } });
  const config = loadConfig();
  const handle = createDb(config.databaseUrl, { applicationName: 'ofd-migrate' });
  try {
    if (values.down !== undefined) {
      const steps = await migrateDown(handle.db, Number(values.down));
      process.stdout.write(`${JSON.stringify({ migrations: steps })}\n`);
      return 0;
    }
    const steps = await migrateToLatest(handle.db);
    const partitions = await ensureDocumentPartitions(handle.db);
    process.stdout.write(`${JSON.stringify({ migrations: steps, partitionsCreated: partitions })}\n`);
    return 0;
  } finally {
    await handle.close();
  }
}
