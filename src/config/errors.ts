/** A bad environment fails fast with a ConfigError naming each variable at fault. */
export const ConfigErrorCodes = { CONFIG_INVALID: 'CONFIG_INVALID' } as const;

export interface ConfigIssue {
  /** The environment variable at fault. */
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = ConfigErrorCodes.CONFIG_INVALID;
  /** The first variable at fault; `issues` lists all of them. */
  readonly variable: string;

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.variable = issues[0]?.variable ?? 'environment';
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
