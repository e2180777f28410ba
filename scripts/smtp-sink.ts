/**
 * An SMTP server that accepts every message and keeps nothing: the loadtest's e-mail relay (`--forward 1`), so that
 * e-receipts are really sent — rendered, handed over SMTP and recorded delivered — as with a production relay. Its own
 * process, so its CPU is not the pipeline's nor the emulator's.
 *
 *   node --import tsx scripts/smtp-sink.ts --port N
 *
 * Prints `listening <port>` once it accepts connections; exits on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
let accepted = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      accepted += 1;
      callback();
    });
  },
});
server.listen(Number(values.port), values.host, () => {
  const address = server.server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : values.port}\n`);
});
const stop = () => server.close(() => {
  process.stderr.write(`smtp-sink: ${accepted} messages accepted\n`);
  process.exit(0);
});
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
