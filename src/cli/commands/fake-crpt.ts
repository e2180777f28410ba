/**
 * `ofd fake-crpt --port N [--host H] [--latency-ms N] [--error-rate R] [--error-status S] [--outage-ms N]
 * [--outage-mode status|reset]`: a fake CRPT True API (src/adapters/crpt/fake-crpt-server.ts). POST /_faults changes
 * the faults while it runs; GET /_sales lists the sale data it received.
 */
import { parseArgs } from 'node:util';
import { startFakeCrpt } from '../../adapters/crpt/fake-crpt-server.js';

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
      port: { type: 'string', default: '4030' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      'outage-ms': { type: 'string' },
      'outage-mode': { type: 'string' },
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
  const crpt = await startFakeCrpt({
    port: number('port', values.port) ?? 4030,
    host: values.host,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(errorRate === undefined ? {} : { errorRate }),
    ...(errorStatus === undefined ? {} : { errorStatus }),
    ...(outageMs === undefined ? {} : { outageMs }),
    ...(outageMode === undefined ? {} : { outageMode }),
  });
  process.stdout.write(`${JSON.stringify({ fakeCrpt: crpt.url })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await crpt.close();
  return 0;
}
