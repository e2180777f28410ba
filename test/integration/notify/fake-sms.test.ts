// The SMS gateway contract over real HTTP: the undici client against fake-sms (and the `ofd fake-sms` command).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSms, type FakeSms } from '../../../src/adapters/sms/fake-sms-server.js';
import { createHttpSmsSender } from '../../../src/adapters/sms/http-sms-sender.js';
import { SmsError, type SmsSender } from '../../../src/adapters/sms/sms-sender.js';

let fake: FakeSms;
let client: SmsSender;

beforeAll(async () => {
  fake = await startFakeSms({ token: 'sms-token' });
  client = createHttpSmsSender({ url: fake.url, token: 'sms-token', timeoutMs: 2000 });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});

describe('SMS gateway contract', () => {
  it('accepts a message once per id', async () => {
    const a = await client.send({ id: 'm-1', to: '+79161234567', text: 'hello' });
    const b = await client.send({ id: 'm-1', to: '+79161234567', text: 'hello' });
    expect(a.gatewayId).toBe(b.gatewayId);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({ id: 'm-1', to: '+79161234567', text: 'hello', sender: 'OFD' });
  });

  it('refuses a bad number for good, and a 503 as retryable', async () => {
    const bad = await client.send({ id: 'm-2', to: '12', text: 'x' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SmsError);
    expect(bad).toMatchObject({ code: 'SMS_REJECTED', retryable: false, status: 400 });
    fake.failNext(1, 503);
    const down = await client.send({ id: 'm-3', to: '+79161234567', text: 'x' }).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'SMS_UNAVAILABLE', retryable: true, status: 503 });
    await client.send({ id: 'm-3', to: '+79161234567', text: 'x' });
  });

  it('refuses a wrong token, and a closed port is retryable', async () => {
    const other = createHttpSmsSender({ url: fake.url, token: 'wrong', timeoutMs: 2000 });
    await expect(other.send({ id: 'm-4', to: '+79161234567', text: 'x' })).rejects.toMatchObject({ status: 401, retryable: false });
    await other.close();
    const closed = createHttpSmsSender({ url: 'http://127.0.0.1:9', timeoutMs: 1000 });
    await expect(closed.send({ id: 'm-5', to: '+79161234567', text: 'x' })).rejects.toMatchObject({ code: 'SMS_UNAVAILABLE', retryable: true });
    await closed.close();
  });

  it('runs as `ofd fake-sms --port 0`', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', 'fake-sms', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no output')), 15_000);
      });
      const { fakeSms } = JSON.parse(line) as { fakeSms: string };
      const sender = createHttpSmsSender({ url: fakeSms });
      await expect(sender.send({ id: 'cli-1', to: '+79161234567', text: 'hi' })).resolves.toMatchObject({ gatewayId: 'fake-1' });
      await sender.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
