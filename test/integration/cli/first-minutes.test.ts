// Issue 13, the first five minutes: the `ofd` command works through a symlinked bin (npx, npm link, a global install)
// and every command says what is wrong and what to do — a gateway port with nothing listening, a database that was
// never migrated, an empty dead-letter queue.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let bin: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ofd-bin-'));
  bin = path.join(dir, 'ofd');
  symlinkSync(path.join(ROOT, 'src/cli/ofd.ts'), bin);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ofd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('ofd through a symlinked bin', () => {
  it('prints the usage for --help', async () => {
    const r = await ofd(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: ofd <command>');
    expect(r.stdout).toContain('emulate');
  });

  // The build's bin, as npm links it (CI builds before testing).
  it.skipIf(!existsSync(path.join(ROOT, 'dist/cli/ofd.js')))('prints the usage for --help from the built bin', async () => {
    const linked = path.join(dir, 'ofd-built');
    symlinkSync(path.join(ROOT, 'dist/cli/ofd.js'), linked);
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [linked, '--help'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: ofd <command>');
  });

  it('emulate against a port with nothing listening says so at once', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await ofd(['emulate', '--host', '127.0.0.1', '--port', String(port), '-n', '1', '--duration', '30']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error EMULATE_NO_GATEWAY: nothing listens on 127\.0\.0\.1:\d+: start the gateway/);
    expect(r.ms).toBeLessThan(15_000);
  });
});

describe('database commands', () => {
  let empty: TestDatabase;
  let migrated: TestDatabase;
  beforeAll(async () => {
    empty = await createTestDatabase({ migrate: false });
    migrated = await createTestDatabase();
  });
  afterAll(async () => {
    await empty.drop();
    await migrated.drop();
  });

  it('show on a database never migrated tells to run ofd migrate', async () => {
    const r = await ofd(['show', '9999078900000001', '1'], { DATABASE_URL: empty.url });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error DB_NOT_MIGRATED: .*run `ofd migrate`/);
  });

  it('dlq list says the queue is empty', async () => {
    const r = await ofd(['dlq', 'list'], { DATABASE_URL: migrated.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the dead-letter queue is empty');
  });
});
