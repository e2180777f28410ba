/**
 * `ofd decode [--hex] <file|->`: a whole message, a bare container, or a stream of several → one JSON object per message
 * on stdout. Bad input: `error CODE at byte N: message` on stderr, exit 1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ProtocolError } from '../../../protocol/errors.js';
import { decodeMessages } from '../../../protocol/message.js';
import { printError } from '../output.js';

const HEX_TEXT = /^[0-9a-fA-F\s]*$/;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { hex: { type: 'boolean' }, pretty: { type: 'boolean' } }, allowPositionals: true });
  const source = positionals[0];
  if (!source || positionals.length > 1) {
    printError('CLI_USAGE', 'usage: ofd decode [--hex] [--pretty] <file|->');
    return 2;
  }
  const raw = source === '-' ? readFileSync(0) : readFileSync(source);
  const asHex = values.hex || source.endsWith('.hex');
  if (asHex && !HEX_TEXT.test(raw.toString('latin1'))) {
    printError('CLI_BAD_HEX', `${source} is not hex text`);
    return 1;
  }
  const compact = raw.toString('latin1').replace(/\s+/g, '');
  if (asHex && compact.length % 2) {
    printError('CLI_BAD_HEX', `${source} has an odd number of hex digits`);
    return 1;
  }
  const input = asHex ? Buffer.from(compact, 'hex') : raw;
  if (input.length === 0) {
    printError('PROTO_TRUNCATED', 'empty input');
    return 1;
  }
  try {
    for (const m of decodeMessages(input)) process.stdout.write(`${JSON.stringify(m, null, values.pretty ? 2 : undefined)}\n`);
  } catch (e) {
    if (e instanceof ProtocolError) {
      process.stderr.write(`error ${e.code}${e.offset === undefined ? '' : ` at byte ${e.offset}`}: ${e.message.replace(/ \(at byte \d+\)$/, '')}\n`);
      return 1;
    }
    throw e;
  }
  return 0;
}
