// How many migrations to go down so that `name` is the last one undone (migrateDown(db, stepsBack(name))).
import { migrations } from '../../src/db/migrations.js';

export function stepsBack(name: string): number {
  const names = Object.keys(migrations).sort();
  const at = names.indexOf(name);
  if (at < 0) throw new Error(`no migration ${name}`);
  return names.length - at;
}
