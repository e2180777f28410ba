// `ofd fake-crpt` as a process: prints its URL, serves the API with the faults given on the command line, stops on SIGTERM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

describe('ofd fake-crpt', () => {
  it('starts, answers with the injected outage, remembers nothing it refused, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', 'fake-crpt', '--port', '0', '--outage-ms', '60000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const { fakeCrpt } = JSON.parse(line) as { fakeCrpt: string };
      expect(fakeCrpt).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${fakeCrpt}/api/v3/true-api/auth/key`)).status).toBe(503);
      await fetch(`${fakeCrpt}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outageMs: 0 }) });
      const key = (await (await fetch(`${fakeCrpt}/api/v3/true-api/auth/key`)).json()) as { uuid: string; data: string };
      expect(key.uuid).toBeTruthy();
      expect((await fetch(`${fakeCrpt}/api/v3/true-api/sales`, { method: 'POST', body: '{}' })).status).toBe(401);
      const sales = (await (await fetch(`${fakeCrpt}/_sales`)).json()) as { sales: unknown[] };
      expect(sales.sales).toEqual([]);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
