/**
 * The key that verifies a message is chosen by the session header's FN, the row it is stored under by the container's:
 * both must name one fiscal drive, or a document signed by FN X could be stored as FN Y's. A blank session FN (padding
 * only) is no mismatch: the key then comes from the container's FN itself. Both register ports check it.
 */
export function sessionFnMismatch(sessionFn: string, containerFn: string): string | undefined {
  return sessionFn !== '' && sessionFn !== containerFn ? `session header FN ${sessionFn}, container FN ${containerFn}` : undefined;
}
