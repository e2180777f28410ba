// Runs the migrations (`ofd migrate` and every start-up). kysely's Migrator takes a PostgreSQL advisory lock and runs
// all pending migrations in one transaction, so concurrent start-ups are safe and a failure leaves nothing half-done.
import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationResult } from 'kysely';
import { DbErrorCodes, toDbError } from './errors.js';
import { migrationProvider } from './migrations.js';

export interface MigrationStep {
  name: string;
  direction: 'Up' | 'Down';
  status: 'Success' | 'Error' | 'NotExecuted';
}

function createMigrator<D>(db: Kysely<D>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

function toSteps(results: readonly MigrationResult[] | undefined): MigrationStep[] {
  return (results ?? []).map(({ migrationName, direction, status }) => ({ name: migrationName, direction, status }));
}

function failedName(results: readonly MigrationResult[] | undefined): string {
  const failed = results?.find((r) => r.status === 'Error');
  return failed ? `migration ${failed.migrationName}` : 'migrations';
}

/** Applies every pending migration. Returns what ran (empty when already up to date). */
export async function migrateToLatest<D>(db: Kysely<D>): Promise<MigrationStep[]> {
  let resultSet;
  try {
    resultSet = await createMigrator(db).migrateToLatest();
  } catch (e) {
    throw toDbError(DbErrorCodes.DB_MIGRATION_FAILED, 'migrate to latest', e);
  }
  if (resultSet.error !== undefined) {
    throw toDbError(DbErrorCodes.DB_MIGRATION_FAILED, `${failedName(resultSet.results)} failed`, resultSet.error);
  }
  return toSteps(resultSet.results);
}

/**
 * Reverts the last `steps` applied migrations, newest first, in one transaction (kysely's migrateTo): a failure in any
 * of them leaves every one applied, so running the same command again after fixing the cause reverts the same ones.
 */
export async function migrateDown<D>(db: Kysely<D>, steps = 1): Promise<MigrationStep[]> {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  const migrator = createMigrator(db);
  let resultSet;
  try {
    const applied = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined);
    if (steps === 0 || applied.length === 0) return [];
    // The newest migration that stays applied, or none at all.
    const target = steps >= applied.length ? NO_MIGRATIONS : applied[applied.length - 1 - steps]!.name;
    resultSet = await migrator.migrateTo(target);
  } catch (e) {
    throw toDbError(DbErrorCodes.DB_MIGRATION_FAILED, 'migrate down', e);
  }
  if (resultSet.error !== undefined) {
    throw toDbError(DbErrorCodes.DB_MIGRATION_FAILED, `reverting ${failedName(resultSet.results)} failed`, resultSet.error);
  }
  return toSteps(resultSet.results);
}

export interface MigrationStatus {
  name: string;
  /** When it ran here; undefined if pending. */
  executedAt: Date | undefined;
}

/** Every known migration and whether it has run. */
export async function listMigrations<D>(db: Kysely<D>): Promise<MigrationStatus[]> {
  try {
    const infos = await createMigrator(db).getMigrations();
    return infos.map(({ name, executedAt }) => ({ name, executedAt }));
  } catch (e) {
    throw toDbError(DbErrorCodes.DB_MIGRATION_FAILED, 'list migrations', e);
  }
}
