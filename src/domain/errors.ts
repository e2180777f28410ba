// The one shape of every failure that carries a stable code (databases, queues, adapters, billing, the API, the tools).
// Each area keeps its own code table as a const object (`{ CODE: 'CODE' }`, comments beside each code) and a thin
// subclass that fixes `name` and the code union; callers branch on `code`, never on `message`.

/** The union of an area's codes: `CodeOf<typeof DbErrorCodes>`. */
export type CodeOf<T extends Readonly<Record<string, string>>> = T[keyof T];

export interface CodedErrorOptions {
  readonly cause?: unknown;
}

export class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: CodedErrorOptions,
  ) {
    super(message, options);
  }
}

/** A failure of an external system: `retryable` says whether sending again later may succeed. */
export class ExternalError<C extends string = string> extends CodedError<C> {
  constructor(
    code: C,
    message: string,
    readonly retryable: boolean,
    options?: CodedErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** An area's code table from its codes: `codeTable('A', 'B')` is `{ A: 'A', B: 'B' }`, typed as the const union. */
export function codeTable<const C extends string>(...codes: readonly C[]): { readonly [K in C]: K } {
  return Object.fromEntries(codes.map((c) => [c, c])) as { readonly [K in C]: K };
}
