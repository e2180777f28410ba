/** `ofd fake-sms --port N [--host H] [--token T]`: a fake SMS gateway (src/adapters/sms/fake-sms-server.ts). */
import { parseArgs } from 'node:util';
import { startFakeSms } from '../../adapters/sms/fake-sms-server.js';
import { portArg, serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4030' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
    },
  });
  const sms = await startFakeSms({ port: portArg(values.port), host: values.host, ...(values.token ? { token: values.token } : {}) });
  return serveUntilSignal('fakeSms', sms);
}
