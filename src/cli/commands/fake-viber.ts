/**
 * `ofd fake-viber --port N [--host H] [--token T] [--deliver-after-ms N] [--expire-after-ms N] [--no-viber PHONE]…
 * [--offline PHONE]…`: a fake Viber business-messaging provider (src/adapters/viber/fake-viber-server.ts).
 */
import { parseArgs } from 'node:util';
import { startFakeViber } from '../../adapters/viber/fake-viber-server.js';
import { nonNegativeNumber, portArg, serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4050' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      'deliver-after-ms': { type: 'string' },
      'expire-after-ms': { type: 'string' },
      'no-viber': { type: 'string', multiple: true },
      offline: { type: 'string', multiple: true },
    },
  });
  const deliverAfterMs = nonNegativeNumber('deliver-after-ms', values['deliver-after-ms']);
  const expireAfterMs = nonNegativeNumber('expire-after-ms', values['expire-after-ms']);
  const viber = await startFakeViber({
    port: portArg(values.port),
    host: values.host,
    ...(values.token ? { token: values.token } : {}),
    rules: {
      noViber: values['no-viber'] ?? [],
      offline: values.offline ?? [],
      ...(deliverAfterMs === undefined ? {} : { deliverAfterMs }),
      ...(expireAfterMs === undefined ? {} : { expireAfterMs }),
    },
  });
  return serveUntilSignal('fakeViber', viber);
}
