/**
 * `ofd replay <file|dir> [options]`: sends captured messages to a gateway, one JSON line per message
 * (src/replay/run-replay.ts `ReplayResult`) and a summary line (`ReplaySummary`) on stdout.
 * Exit 0 when every reply was right; 1 when any was wrong or missing; 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { numberOption } from '../../emulator/cli-options.js';
import { ToolError } from '../../emulator/errors.js';
import { readCapturedMessages } from '../../replay/captured-messages.js';
import { runReplay, type ReplayCrypto, type ReplayOptions } from '../../replay/run-replay.js';
import { printError } from '../output.js';

export const REPLAY_USAGE = `usage: ofd replay <file|dir> [options]
  files: hex text (whitespace ignored) or raw bytes, several messages back to back allowed; a dir is read in name order
  --host HOST          gateway address (127.0.0.1)
  --port N             gateway port ($OFD_GATEWAY_PORT or 4000)
  --crypto MODE        devsign (check ФПО/ФПП, default) | none (structure, FN/FD echo and code only)
  --master-key KEY     devsign master key ($OFD_DEVSIGN_KEY or the §7 default)
  --keep-alive         one connection for all messages (default: a connection per message)
  --timeout-ms MS      wait for each reply (3000)`;

const CRYPTO_MODES: readonly ReplayCrypto[] = ['devsign', 'none'];

export interface ReplayArgs {
  target: string | undefined;
  options: Partial<ReplayOptions>;
  help: boolean;
}

export function parseReplayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ReplayArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        crypto: { type: 'string' },
        'master-key': { type: 'string' },
        'keep-alive': { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new ToolError('CLI_USAGE', e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 1) throw new ToolError('CLI_USAGE', `one file or directory, got ${positionals.length}`);
  const crypto = (v.crypto ?? 'devsign') as ReplayCrypto;
  if (!CRYPTO_MODES.includes(crypto)) throw new ToolError('CLI_USAGE', `--crypto ${JSON.stringify(v.crypto)}: expected devsign or none`);
  const options: Partial<ReplayOptions> = { crypto, keepAlive: v['keep-alive'] ?? false };
  if (v.host !== undefined) options.host = v.host;
  const port = numberOption('port', v.port ?? (env.OFD_GATEWAY_PORT || undefined), { min: 1, max: 65535, integer: true });
  if (port !== undefined) options.port = port;
  const masterKey = v['master-key'] ?? (env.OFD_DEVSIGN_KEY || undefined);
  if (masterKey !== undefined) options.masterKey = masterKey;
  const timeoutMs = numberOption('timeout-ms', v['timeout-ms'], { min: 1 });
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  return { target: positionals[0], options, help: v.help ?? false };
}

export async function run(argv: string[]): Promise<number> {
  let args: ReplayArgs;
  try {
    args = parseReplayArgs(argv);
    if (!args.help && args.target === undefined) throw new ToolError('CLI_USAGE', 'which file or directory? (ofd replay --help)');
  } catch (e) {
    printError('CLI_USAGE', e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (args.help || args.target === undefined) {
    process.stdout.write(`${REPLAY_USAGE}\n`);
    return 0;
  }
  try {
    const messages = await readCapturedMessages(args.target);
    const summary = await runReplay(messages, { ...args.options, onResult: (r) => process.stdout.write(`${JSON.stringify(r)}\n`) });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    printError(typeof code === 'string' ? code : 'CLI_FAILED', e instanceof Error ? e.message : String(e));
    return 1;
  }
}
