/** The CLI's one-line error format: `error CODE: message` (architecture §4: never a stack trace). */
export function printError(code: string, message: string): void {
  process.stderr.write(`error ${code}: ${message.split('\n')[0]}\n`);
}
