import { codeTable, CodedError, type CodeOf } from '../domain/errors.js';

/**
 * Failures of `ofd emulate` and `ofd replay` before or beside the traffic: bad options, unreadable input. Codes are stable.
 *
 * - CLI_USAGE          An option is missing, unknown, or out of range (exit 2, like every `ofd` command's usage error).
 * - CLI_BAD_INPUT      An input file or directory cannot be read, or holds no message.
 * - CLI_RECORD_FAILED  Fixtures cannot be written (`--record`).
 */
export const ToolErrorCodes = codeTable('CLI_USAGE', 'CLI_BAD_INPUT', 'CLI_RECORD_FAILED');
export type ToolErrorCode = CodeOf<typeof ToolErrorCodes>;

export class ToolError extends CodedError<ToolErrorCode> {
  override readonly name = 'ToolError';
}
