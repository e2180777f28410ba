/**
 * `ofd fake-fns --port N [--host H] [--latency-ms N] [--error-rate R] [--error-status S] [--outage-ms N]
 * [--outage-mode status|reset] [--seed S]`: a fake FNS (src/adapters/fns/fake-fns-server.ts). The fault options set the
 * faults at start (--outage-ms: an outage of that length from the start); POST /_faults changes them while it runs.
 */
import { parseArgs } from 'node:util';
import { startFakeFns } from '../../adapters/fns/fake-fns-server.js';
import { FAULT_ARG_OPTIONS, nonNegativeNumber, parseFaultArgs, serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '4020' }, ...FAULT_ARG_OPTIONS, seed: { type: 'string' } },
  });
  const fns = await startFakeFns({
    port: nonNegativeNumber('port', values.port) ?? 4020,
    host: values.host,
    ...parseFaultArgs(values),
    ...(values.seed === undefined ? {} : { seed: values.seed }),
  });
  return serveUntilSignal('fakeFns', fns);
}
