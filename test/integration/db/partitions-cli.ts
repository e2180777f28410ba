// `ofd partitions …` run in-process against a test database, its stdout and stderr captured.
import { vi } from 'vitest';
import { runCli } from '../../../src/cli/ofd.js';

export async function partitionsCli(databaseUrl: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.stubEnv('DATABASE_URL', databaseUrl);
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    return { code: await runCli(['partitions', ...argv]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    vi.unstubAllEnvs();
  }
}
