// A PostgreSQL database of its own for a test file: created on the server the global setup found
// (inject('databaseUrl')), migrated unless asked not to, dropped by drop(). Never touches other databases.
//
//   const t = await createTestDatabase();
//   afterAll(() => t.drop());
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type CreateDbOptions, type DbHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export interface TestDatabase extends DbHandle {
  /** Connection string of the new database. */
  url: string;
  /** Its name: ofd_test_<random>. */
  name: string;
  /** Closes the pool and drops the database (terminating leftover connections); idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions extends CreateDbOptions {
  /** Run the migrations to the latest. Default true. */
  migrate?: boolean;
  /** The database's encoding (with the C locale, from template0), e.g. 'SQL_ASCII'. Default: the server's. */
  encoding?: string;
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const { migrate = true, encoding, ...dbOptions } = opts;
  const serverUrl = inject('databaseUrl');
  const name = `ofd_test_${randomBytes(6).toString('hex')}`;
  const withEncoding = encoding === undefined ? '' : ` encoding ${pg.escapeLiteral(encoding)} locale 'C' template template0`;
  await withAdmin(serverUrl, (c) => c.query(`create database ${pg.escapeIdentifier(name)}${withEncoding}`));

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 5, applicationName: name, ...dbOptions });
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      await handle.close();
      await withAdmin(serverUrl, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
    })());

  if (migrate) {
    try {
      await migrateToLatest(handle.db);
    } catch (e) {
      await drop();
      throw e;
    }
  }
  return { ...handle, url: url.toString(), name, drop };
}
