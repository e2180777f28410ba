/**
 * The `ofd` command (architecture §4). Each subcommand lives in ./commands/ and returns its exit code. Errors print
 * one line — `error CODE: message` — never a stack trace.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printError } from './output.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { load: () => Promise<Command>; help: string }> = {
  decode: { load: async () => (await import('./commands/decode.js')).run, help: 'decode [--hex] <file|->   decode messages or containers to JSON' },
  emulate: { load: async () => (await import('./commands/emulate.js')).run, help: 'emulate [options]         run emulated cash registers against a gateway' },
  replay: { load: async () => (await import('./commands/replay.js')).run, help: 'replay <file|dir>         send captured messages and check the replies' },
  migrate: { load: async () => (await import('./commands/migrate.js')).run, help: 'migrate [--down N]        migrate DATABASE_URL to the latest schema' },
  show: { load: async () => (await import('./commands/show.js')).run, help: 'show <fn> <fd> [--json]   print a stored document (FNS JSON, rawData) and its lifecycle' },
  reprocess: { load: async () => (await import('./commands/reprocess.js')).run, help: 'reprocess [--fn FN] [--since ISO] [--batch N]   rebuild FNS JSON and derived rows from raw bytes' },
  'fake-pkz': { load: async () => (await import('./commands/fake-pkz.js')).run, help: 'fake-pkz --port N         run a fake crypto box (devsign math)' },
  'fake-fns': { load: async () => (await import('./commands/fake-fns.js')).run, help: 'fake-fns --port N         run a fake FNS (validates, answers, injects faults)' },
  'fake-fns-kkt': { load: async () => (await import('./commands/fake-fns-kkt.js')).run, help: 'fake-fns-kkt --port N     run a fake FNS KKT registration service (РНМ after a delay, refusals, faults)' },
  'fake-crpt': { load: async () => (await import('./commands/fake-crpt.js')).run, help: 'fake-crpt --port N        run a fake CRPT True API (signed-challenge auth, code checks, sales, faults)' },
  'fake-sms': { load: async () => (await import('./commands/fake-sms.js')).run, help: 'fake-sms --port N         run a fake SMS gateway (lists what it accepted, injects faults)' },
  'fake-viber': { load: async () => (await import('./commands/fake-viber.js')).run, help: 'fake-viber --port N       run a fake Viber business-messaging provider (delivery statuses, no-Viber phones)' },
  'fake-pay': { load: async () => (await import('./commands/fake-pay.js')).run, help: 'fake-pay --port N --secret S  run a fake card payment provider (payment page, signed callbacks, refunds)' },
  rollups: { load: async () => (await import('./commands/rollups.js')).run, help: 'rollups rebuild --from D --to D   recompute the report rollups of the local days [from, to) from the stored documents' },
  partitions: { load: async () => (await import('./commands/partitions.js')).run, help: 'partitions [list] | detach YYYY-MM [--force]   monthly partitions; detach a month past its 5-year retention' },
  dlq: { load: async () => (await import('./commands/dlq.js')).run, help: 'dlq list|replay …         list or replay dead-lettered jobs' },
};

function usage(): string {
  return ['usage: ofd <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    printError('CLI_UNKNOWN_COMMAND', `unknown command ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (e) {
    const [code, message] = explainFailure(e);
    printError(code, message);
    return 1;
  }
}

/** A failure as one line that says what is wrong and what to do (PostgreSQL's own codes mean little to a new user). */
export function explainFailure(e: unknown): [string, string] {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const cause = (e as { cause?: { code?: unknown } }).cause;
  if (code === '42P01' || cause?.code === '42P01') {
    return ['DB_NOT_MIGRATED', `the database has no ofd schema yet (${message}): run \`ofd migrate\` against this DATABASE_URL first`];
  }
  if (code === 'ECONNREFUSED' || cause?.code === 'ECONNREFUSED' || code === 'DB_UNAVAILABLE') {
    return [typeof code === 'string' ? code : 'DB_UNAVAILABLE', `${message}: start PostgreSQL/Redis or point DATABASE_URL/REDIS_URL at them`];
  }
  if (code === '3D000') return ['DB_MISSING', `${message}: create the database or fix DATABASE_URL, then run \`ofd migrate\``];
  return [typeof code === 'string' ? code : 'CLI_FAILED', message];
}

/**
 * Whether this module is the process's entry, also through a symlinked bin (npx, npm link, a global install): real
 * paths are compared, with this module and with the build's one-line entry `dist/cli/ofd.js` that imports it.
 */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  const self = fileURLToPath(import.meta.url);
  const real = (p: string): string | undefined => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const target = real(entry);
  return target !== undefined && [self, path.resolve(path.dirname(self), '../../cli/ofd.js')].some((c) => real(c) === target);
}

if (isEntry()) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
