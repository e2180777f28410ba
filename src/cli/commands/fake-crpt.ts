/**
 * `ofd fake-crpt --port N [--host H] [--latency-ms N] [--error-rate R] [--error-status S] [--outage-ms N]
 * [--outage-mode status|reset]`: a fake CRPT True API (src/adapters/crpt/fake-crpt-server.ts). POST /_faults changes
 * the faults while it runs; GET /_sales lists the sale data it received.
 */
import { parseArgs } from 'node:util';
import { startFakeCrpt } from '../../adapters/crpt/fake-crpt-server.js';
import { FAULT_ARG_OPTIONS, nonNegativeNumber, parseFaultArgs, serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '4030' }, ...FAULT_ARG_OPTIONS },
  });
  const crpt = await startFakeCrpt({
    port: nonNegativeNumber('port', values.port) ?? 4030,
    host: values.host,
    ...parseFaultArgs(values),
  });
  return serveUntilSignal('fakeCrpt', crpt);
}
