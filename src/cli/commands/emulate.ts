/**
 * `ofd emulate [options]`: a fleet of emulated cash registers against an OFD gateway; prints the run's JSON summary
 * (src/emulator/emulator-stats.ts `EmulatorSummary`) on stdout. Ctrl-C stops the run and still prints it.
 * Exit 0; 1 when an acknowledgement was invalid, or a document budget run ended with documents unacknowledged;
 * 2 on a usage error.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { parseUnixtime } from '../../../protocol/values.js';
import { markingPortOption, numberOption, shareOption } from '../../emulator/cli-options.js';
import { ToolError } from '../../emulator/errors.js';
import { DEFAULT_EMULATOR_OPTIONS, runEmulator, type EmulatorOptions } from '../../emulator/run-emulator.js';
import { printError } from '../output.js';

export const EMULATE_USAGE = `usage: ofd emulate [options]
  --host HOST                 gateway address (127.0.0.1)
  --port N                    gateway port ($OFD_GATEWAY_PORT or 4000)
  -n, --registers N           registers, each with its own FN (10)
  --documents N               documents per register (20; endless with --duration unless given)
  --duration SECONDS          stop after this long
  --rate DOCS_PER_SECOND      target rate over the whole fleet (open loop)
  --think-ms MS               pause after each ack, per register (closed loop; 0)
  --ramp-ms MS                spread the registers' start over this long
  --keep-alive                one kept connection per register (default: a connection per message)
  --marking-port N            the OFD's marking port: check codes (81→83) and notify sales (82→84) (off)
  --timeout-ms MS             wait for a reply before re-sending (3000)
  --retry-delay-ms MS         first re-send delay, doubling (200) up to --max-retry-delay-ms (5000)
  --master-key KEY            devsign master key ($OFD_DEVSIGN_KEY or the §7 default)
  --seed TEXT                 seed of every generated document (ofd-emulator)
  --start YYYY-MM-DDTHH:mm:ss registration time, local (default: days back so the documents end before now)
  --utc-offset-minutes N      the registers' UTC offset for the default start (180)
  --ffd12-share X             share of FFD 1.2 registers, the rest FFD 1.05 (0.5)
  --marked-share X            share of FFD 1.2 receipts with marking codes (0.3)
  --email-share X             share of receipts with a buyer e-mail or phone (0.15)
  --correction-share X        share of correction receipts (0.01)
  --basket-pool N             baskets a register reuses after drawing them (16; 0 = all fresh)
  --prebuild N                documents per register built and signed before the clock starts (0)
  --tamper-rate X             share of documents first sent with a wrong 1077 (0)
  --flk-error-rate X          share of receipts whose payments do not add up (0)
  --ofd-inn INN               1017 in registration reports ($OFD_INN or 7704211201)
  --record DIR                write every document message as DIR/<fn>-<fd>.bin + .json
  --record-hex                … as .hex text instead of .bin
  --pretty                    indent the summary`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  registers: { type: 'string', short: 'n' },
  documents: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  'think-ms': { type: 'string' },
  'ramp-ms': { type: 'string' },
  'keep-alive': { type: 'boolean' },
  'marking-port': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'retry-delay-ms': { type: 'string' },
  'max-retry-delay-ms': { type: 'string' },
  'master-key': { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  'utc-offset-minutes': { type: 'string' },
  'ffd12-share': { type: 'string' },
  'marked-share': { type: 'string' },
  'email-share': { type: 'string' },
  'correction-share': { type: 'string' },
  'basket-pool': { type: 'string' },
  prebuild: { type: 'string' },
  'tamper-rate': { type: 'string' },
  'flk-error-rate': { type: 'string' },
  'ofd-inn': { type: 'string' },
  record: { type: 'string' },
  'record-hex': { type: 'boolean' },
  pretty: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Removes the keys whose value is undefined, so they do not override the defaults. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface EmulateArgs {
  options: Partial<EmulatorOptions>;
  pretty: boolean;
  help: boolean;
}

/** argv (+ environment defaults) → emulator options. Throws ToolError CLI_USAGE. */
export function parseEmulateArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EmulateArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new ToolError('CLI_USAGE', e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const durationS = numberOption('duration', v.duration, { min: 0.001 });
  const documents = numberOption('documents', v.documents, { min: 1, integer: true });
  let startTime: number | undefined;
  if (v.start !== undefined) {
    startTime = parseUnixtime(v.start);
    if (startTime === undefined) throw new ToolError('CLI_USAGE', `--start ${JSON.stringify(v.start)}: expected YYYY-MM-DDTHH:mm:ss`);
  }
  const options = defined<Partial<EmulatorOptions>>({
    host: v.host,
    port: numberOption('port', v.port ?? (env.OFD_GATEWAY_PORT || undefined), { min: 1, max: 65535, integer: true }),
    registers: numberOption('registers', v.registers, { min: 1, integer: true }),
    documentsPerRegister: documents ?? (durationS !== undefined ? Infinity : undefined),
    durationMs: durationS !== undefined ? durationS * 1000 : undefined,
    rate: numberOption('rate', v.rate, { min: 0.001 }),
    thinkMs: numberOption('think-ms', v['think-ms'], { min: 0 }),
    rampMs: numberOption('ramp-ms', v['ramp-ms'], { min: 0 }),
    keepAlive: v['keep-alive'],
    markingPort: markingPortOption(v['marking-port']),
    timeoutMs: numberOption('timeout-ms', v['timeout-ms'], { min: 1 }),
    retryDelayMs: numberOption('retry-delay-ms', v['retry-delay-ms'], { min: 0 }),
    maxRetryDelayMs: numberOption('max-retry-delay-ms', v['max-retry-delay-ms'], { min: 0 }),
    masterKey: v['master-key'] ?? (env.OFD_DEVSIGN_KEY || undefined),
    seed: v.seed,
    startTime,
    utcOffsetMinutes: numberOption('utc-offset-minutes', v['utc-offset-minutes'], { min: -720, max: 840, integer: true }),
    ffd12Share: shareOption('ffd12-share', v['ffd12-share']),
    markedShare: shareOption('marked-share', v['marked-share']),
    emailShare: shareOption('email-share', v['email-share']),
    correctionShare: shareOption('correction-share', v['correction-share']),
    basketPool: numberOption('basket-pool', v['basket-pool'], { min: 0, integer: true }),
    prebuild: numberOption('prebuild', v['prebuild'], { min: 0, integer: true }),
    tamperRate: shareOption('tamper-rate', v['tamper-rate']),
    flkErrorRate: shareOption('flk-error-rate', v['flk-error-rate']),
    ofdInn: v['ofd-inn'] ?? (env.OFD_INN || undefined),
    recordDir: v.record,
    recordFormat: v['record-hex'] ? 'hex' : undefined,
  });
  return { options, pretty: v.pretty ?? false, help: v.help ?? false };
}

export async function run(argv: string[]): Promise<number> {
  let args: EmulateArgs;
  try {
    args = parseEmulateArgs(argv);
  } catch (e) {
    printError('CLI_USAGE', e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${EMULATE_USAGE}\n`);
    return 0;
  }
  const target = { host: args.options.host ?? DEFAULT_EMULATOR_OPTIONS.host, port: args.options.port ?? DEFAULT_EMULATOR_OPTIONS.port };
  const problem = await probeGateway(target.host, target.port);
  if (problem !== undefined) {
    printError('EMULATE_NO_GATEWAY', problem);
    return 1;
  }
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const summary = await runEmulator({ ...args.options, signal: abort.signal });
    process.stdout.write(`${JSON.stringify(summary, null, args.pretty ? 2 : undefined)}\n`);
    const budgetRun = (args.options.durationMs ?? DEFAULT_EMULATOR_OPTIONS.durationMs) === undefined;
    return summary.invalidAcks > 0 || (budgetRun && summary.unacknowledged > 0) ? 1 : 0;
  } catch (e) {
    const code = e instanceof ToolError ? e.code : (e as { code?: unknown }).code;
    printError(typeof code === 'string' ? code : 'CLI_FAILED', e instanceof Error ? e.message : String(e));
    return code === 'CLI_USAGE' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Says at once what is wrong when nothing answers at the gateway address (instead of registers retrying silently for
 * the whole run), and what to do about it. Undefined when a connection opens.
 */
export function probeGateway(host: string, port: number, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms: check the address and the firewall, or pass --host/--port`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(
        e.code === 'ECONNREFUSED'
          ? `nothing listens on ${host}:${port}: start the gateway (npm start, or docker compose up) or pass --port`
          : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
            ? `the host ${host} does not resolve: pass --host`
            : `cannot connect to ${host}:${port} (${e.code ?? e.message}): check the address or pass --host/--port`,
      ),
    );
  });
}
