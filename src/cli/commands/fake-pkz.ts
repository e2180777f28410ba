/** `ofd fake-pkz --port N [--key K] [--latency-ms N] [--failure-rate R]`: a fake crypto box doing the devsign math. */
import { parseArgs } from 'node:util';
import { startFakePkz } from '../../adapters/pkz/fake-pkz-server.js';
import { serveUntilSignal } from '../fake-server-command.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '4010' }, host: { type: 'string', default: '127.0.0.1' }, key: { type: 'string' }, 'latency-ms': { type: 'string' }, 'failure-rate': { type: 'string' } },
  });
  const pkz = await startFakePkz({
    port: Number(values.port),
    host: values.host,
    ...(values.key ? { masterKey: values.key } : {}),
    ...(values['latency-ms'] ? { latencyMs: Number(values['latency-ms']) } : {}),
    ...(values['failure-rate'] ? { failureRate: Number(values['failure-rate']) } : {}),
  });
  return serveUntilSignal('fakePkz', pkz);
}
