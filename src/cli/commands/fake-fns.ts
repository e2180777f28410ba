/**
 * `ofd fake-fns --port N [--host H] [--latency-ms N] [--error-rate R] [--error-status S] [--outage-ms N]
 * [--outage-mode status|reset] [--seed S]`: a fake FNS (src/adapters/fns/fake-fns-server.ts). The fault options set the
 * faults at start (--outage-ms: an outage of that length from the start); POST /_faults changes them while it runs.
 */
import { parseArgs } from 'node:util';
import { startFakeFns } from '../../adapters/fns/fake-fns-server.js';

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw Object.assign(new Error(`--${name} must be a non-negative number, got ${JSON.stringify(value)}`), { code: 'CLI_BAD_ARGS' });
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4020' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      'outage-ms': { type: 'string' },
      'outage-mode': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const outageMode = values['outage-mode'];
  if (outageMode !== undefined && outageMode !== 'status' && outageMode !== 'reset') {
    throw Object.assign(new Error('--outage-mode must be status or reset'), { code: 'CLI_BAD_ARGS' });
  }
  const latencyMs = number('latency-ms', values['latency-ms']);
  const errorRate = number('error-rate', values['error-rate']);
  const errorStatus = number('error-status', values['error-status']);
  const outageMs = number('outage-ms', values['outage-ms']);
  const fns = await startFakeFns({
    port: number('port', values.port) ?? 4020,
    host: values.host,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(errorRate === undefined ? {} : { errorRate }),
    ...(errorStatus === undefined ? {} : { errorStatus }),
    ...(outageMs === undefined ? {} : { outageMs }),
    ...(outageMode === undefined ? {} : { outageMode }),
    ...(values.seed === undefined ? {} : { seed: values.seed }),
  });
  process.stdout.write(`${JSON.stringify({ fakeFns: fns.url })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fns.close();
  return 0;
}
