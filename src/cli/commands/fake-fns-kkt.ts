/**
 * `ofd fake-fns-kkt --port N [--host H] [--decision-delay-ms N] [--mode normal|fail|timeout] [--refuse-serial S]…
 * [--first-ordinal N]`: a fake FNS KKT registration service (src/adapters/fns-kkt/fake-fns-kkt-server.ts). POST /_control
 * changes the delay, the mode and the refused serials while it runs.
 */
import { parseArgs } from 'node:util';
import { startFakeFnsKkt } from '../../adapters/fns-kkt/fake-fns-kkt-server.js';
import { nonNegativeNumber, serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4030' },
      host: { type: 'string', default: '127.0.0.1' },
      'decision-delay-ms': { type: 'string' },
      mode: { type: 'string' },
      'refuse-serial': { type: 'string', multiple: true },
      'first-ordinal': { type: 'string' },
    },
  });
  const mode = values.mode;
  if (mode !== undefined && mode !== 'normal' && mode !== 'fail' && mode !== 'timeout') {
    throw Object.assign(new Error('--mode must be normal, fail or timeout'), { code: 'CLI_BAD_ARGS' });
  }
  const delay = nonNegativeNumber('decision-delay-ms', values['decision-delay-ms']);
  const first = nonNegativeNumber('first-ordinal', values['first-ordinal']);
  const fake = await startFakeFnsKkt({
    port: nonNegativeNumber('port', values.port) ?? 4030,
    host: values.host,
    ...(delay === undefined ? {} : { decisionDelayMs: delay }),
    ...(mode === undefined ? {} : { mode }),
    ...(values['refuse-serial'] ? { refuseSerials: values['refuse-serial'] } : {}),
    ...(first === undefined ? {} : { firstOrdinal: first }),
  });
  return serveUntilSignal('fakeFnsKkt', fake);
}
