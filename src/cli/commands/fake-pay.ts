/**
 * `ofd fake-pay --port N --secret S [--webhook-url URL] [--host H]`: a fake card payment provider
 * (src/adapters/payments/fake-pay-server.ts): payment pages, signed callbacks, refunds, declines.
 */
import { parseArgs } from 'node:util';
import { startFakePay } from '../../adapters/payments/fake-pay-server.js';
import { serveUntilSignal } from '../fake-server-command.js';

function badArgs(message: string): Error {
  return Object.assign(new Error(message), { code: 'CLI_BAD_ARGS' });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4040' },
      host: { type: 'string', default: '127.0.0.1' },
      secret: { type: 'string' },
      'webhook-url': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw badArgs(`--port must be 0–65535, got ${JSON.stringify(values.port)}`);
  if (values.secret === undefined || values.secret.length < 16) throw badArgs('--secret is required: the API key and callback HMAC secret, ≥ 16 characters (OFD_PAY_SECRET)');
  const webhookUrl = values['webhook-url'];
  if (webhookUrl !== undefined && !/^https?:\/\//.test(webhookUrl)) throw badArgs('--webhook-url must be an http(s) URL');
  const pay = await startFakePay({ port, host: values.host, secret: values.secret, ...(webhookUrl ? { webhookUrl } : {}) });
  return serveUntilSignal('fakePay', pay);
}
