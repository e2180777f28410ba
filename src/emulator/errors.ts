/** Failures of `ofd emulate` and `ofd replay` before or beside the traffic: bad options, unreadable input. Codes are stable. */
export const ToolErrorCodes = {
  /** An option is missing, unknown, or out of range (exit 2, like every `ofd` command's usage error). */
  CLI_USAGE: 'CLI_USAGE',
  /** An input file or directory cannot be read, or holds no message. */
  CLI_BAD_INPUT: 'CLI_BAD_INPUT',
  /** Fixtures cannot be written (`--record`). */
  CLI_RECORD_FAILED: 'CLI_RECORD_FAILED',
} as const;
export type ToolErrorCode = (typeof ToolErrorCodes)[keyof typeof ToolErrorCodes];

export class ToolError extends Error {
  override readonly name = 'ToolError';

  constructor(
    readonly code: ToolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
