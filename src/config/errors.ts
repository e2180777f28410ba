/** A bad environment fails fast with a ConfigError naming each variable at fault. */
import { CodedError } from '../domain/errors.js';

export const ConfigErrorCodes = { CONFIG_INVALID: 'CONFIG_INVALID' } as const;

export interface ConfigIssue {
  /** The environment variable at fault. */
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends CodedError<typeof ConfigErrorCodes.CONFIG_INVALID> {
  override readonly name = 'ConfigError';
  /** The first variable at fault; `issues` lists all of them. */
  readonly variable: string;

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(ConfigErrorCodes.CONFIG_INVALID, `invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.variable = issues[0]?.variable ?? 'environment';
  }
}
