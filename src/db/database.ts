// The kysely database type and the factory that connects to PostgreSQL.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DbError, DbErrorCodes } from './errors.js';
import type { DeadLettersTable } from './tables/dead-letters.js';
import type { DocumentConflictsTable } from './tables/document-conflicts.js';
import type {
  DocumentEventsTable,
  DocumentKeysTable,
  DocumentsTable,
  MarkingCodesTable,
  ReceiptItemsTable,
} from './tables/documents.js';
import type {
  FdGapsTable,
  FiscalDrivesTable,
  OrganizationsTable,
  OutletsTable,
  RegistersTable,
  ShiftsTable,
} from './tables/registry.js';
import { typeParsers } from './type-parsers.js';

export interface Database {
  organizations: OrganizationsTable;
  outlets: OutletsTable;
  registers: RegistersTable;
  fiscal_drives: FiscalDrivesTable;
  shifts: ShiftsTable;
  fd_gaps: FdGapsTable;
  document_keys: DocumentKeysTable;
  documents: DocumentsTable;
  receipt_items: ReceiptItemsTable;
  marking_codes: MarkingCodesTable;
  document_events: DocumentEventsTable;
  dead_letters: DeadLettersTable;
  document_conflicts: DocumentConflictsTable;
}

export interface CreateDbOptions {
  /** Pool size. Default 10. */
  maxConnections?: number;
  /** Shown in pg_stat_activity. Default 'ofd-gateway'. */
  applicationName?: string;
  /** How long a checkout waits for a connection before failing. Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** How long an idle pooled connection is kept. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Server-side statement_timeout for every connection; unset = the server's setting. */
  statementTimeoutMs?: number;
  /**
   * Errors of idle pooled connections (PostgreSQL restarted, network cut). The pool has already dropped the connection
   * and the next query opens a new one; without a listener Node would crash the process. Default: ignore.
   */
  onPoolError?: (error: Error) => void;
}

export interface DbHandle {
  db: Kysely<Database>;
  /** The underlying pool, for what kysely does not do (COPY through pg-copy-streams, LISTEN). */
  pool: pg.Pool;
  /** Ends the pool; idempotent. */
  close(): Promise<void>;
}

/** Checks a connection string without echoing it (it may hold a password). */
export function parseDatabaseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new DbError(DbErrorCodes.DB_BAD_URL, 'database URL is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DbError(DbErrorCodes.DB_BAD_URL, `database URL must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  return url;
}

export function createDb(databaseUrl: string, opts: CreateDbOptions = {}): DbHandle {
  parseDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.maxConnections ?? 10,
    application_name: opts.applicationName ?? 'ofd-gateway',
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    ...(opts.statementTimeoutMs === undefined ? {} : { statement_timeout: opts.statementTimeoutMs }),
    types: typeParsers,
  });
  const onPoolError = opts.onPoolError ?? (() => {});
  pool.on('error', (error) => onPoolError(error));
  // A client whose connection dies while checked out (a query in flight when PostgreSQL restarts or terminates the
  // backend) emits 'error' as well, and the pool listens only to idle clients: without this listener Node would crash
  // the process. The query in flight is rejected with the same error, so nothing is lost by only reporting it here.
  pool.on('connect', (client) => client.on('error', (error) => onPoolError(error)));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= db.destroy()),
  };
}
