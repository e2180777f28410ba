/** A flag for this browser session (a closed banner stays closed); without storage the banner just comes back. */
export function safeGet(key: string): boolean {
  try {
    return sessionStorage.getItem(key) !== null;
  } catch {
    return false;
  }
}

export function safeSet(key: string): void {
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    // Without storage the banner just comes back on the next page.
  }
}
