/**
 * What the `ofd fake-*` commands share: the fault options they take at start (the same ones their POST /_faults takes),
 * and serving until SIGINT / SIGTERM.
 */
export const FAULT_ARG_OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'error-status': { type: 'string' },
  'outage-ms': { type: 'string' },
  'outage-mode': { type: 'string' },
} as const;

export interface FaultArgs {
  latencyMs?: number;
  errorRate?: number;
  errorStatus?: number;
  outageMs?: number;
  outageMode?: 'status' | 'reset';
}

function badArgs(message: string): Error {
  return Object.assign(new Error(message), { code: 'CLI_BAD_ARGS' });
}

export function nonNegativeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw badArgs(`--${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

/** `--port`: 0–65535 (0: any free port). */
export function portArg(value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw badArgs(`--port must be 0–65535, got ${JSON.stringify(value)}`);
  return port;
}

/** The fault options that were given, parsed; absent ones are left out. */
export function parseFaultArgs(values: Partial<Record<keyof typeof FAULT_ARG_OPTIONS, string>>): FaultArgs {
  const outageMode = values['outage-mode'];
  if (outageMode !== undefined && outageMode !== 'status' && outageMode !== 'reset') throw badArgs('--outage-mode must be status or reset');
  const parsed: FaultArgs = {
    latencyMs: nonNegativeNumber('latency-ms', values['latency-ms']),
    errorRate: nonNegativeNumber('error-rate', values['error-rate']),
    errorStatus: nonNegativeNumber('error-status', values['error-status']),
    outageMs: nonNegativeNumber('outage-ms', values['outage-ms']),
    outageMode,
  };
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as FaultArgs;
}

/** Prints `{ "<name>": url }`, serves until SIGINT / SIGTERM, closes; exit code 0. */
export async function serveUntilSignal(name: string, server: { url: string; close(): Promise<void> }): Promise<number> {
  process.stdout.write(`${JSON.stringify({ [name]: server.url })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
