/**
 * Downloads a file the API streams (a report or a receipt list as csv/xlsx) with the session cookie, reporting the
 * bytes received as they arrive (the size is unknown while the server still writes), then saves it under the name
 * the server gave. An API refusal (no export right, bad filter) arrives as an ApiFailure, not as a saved error page.
 */
import { ApiFailure, failureFrom } from './api/errors';

export function fileNameOf(disposition: string | null, fallback: string): string {
  const star = disposition ? /filename\*=UTF-8''([^;]+)/i.exec(disposition) : null;
  if (star) return decodeURIComponent(star[1]!);
  const plain = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return plain ? plain[1]! : fallback;
}

/** `1,2 МБ`, `340 КБ`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} Б`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} КБ`;
  return `${(n / 1024 / 1024).toFixed(1).replace('.', ',')} МБ`;
}

export async function downloadFile(url: string, fallbackName: string, onBytes?: (received: number) => void, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiFailure(0, 'NETWORK', (e as Error).message);
  }
  if (!response.ok) throw failureFrom(response.status, await response.json().catch(() => ({})));
  const name = fileNameOf(response.headers.get('content-disposition'), fallbackName);
  const parts: BlobPart[] = [];
  let received = 0;
  const reader = response.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.byteLength;
      onBytes?.(received);
    }
  }
  const blob = new Blob(parts, { type: response.headers.get('content-type') ?? 'application/octet-stream' });
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}
