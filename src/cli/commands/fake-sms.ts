/** `ofd fake-sms --port N [--host H] [--token T]`: a fake SMS gateway (src/adapters/sms/fake-sms-server.ts). */
import { parseArgs } from 'node:util';
import { startFakeSms } from '../../adapters/sms/fake-sms-server.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4030' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw Object.assign(new Error(`--port must be 0–65535, got ${JSON.stringify(values.port)}`), { code: 'CLI_BAD_ARGS' });
  }
  const sms = await startFakeSms({ port, host: values.host, ...(values.token ? { token: values.token } : {}) });
  process.stdout.write(`${JSON.stringify({ fakeSms: sms.url })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sms.close();
  return 0;
}
