// An independent client of the billing API (issue 17's "how it will be checked"): it talks to a running `start()`
// process, `ofd fake-pay` and `ofd fake-sms` over HTTP only, and keeps its own running model of what the ledger must
// say — built from the catalogue's prices and from the events it saw, never read back from the code under test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `ofd <command> --port N …` as its own process and waits until `probePath` answers. */
export async function startFakeProcess(command: string, port: number, args: string[], probePath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', command, '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await until(`ofd ${command}`, async () => {
    if (child.exitCode !== null) throw new Error(`ofd ${command} exited ${child.exitCode}: ${output}`);
    return (await fetch(`http://127.0.0.1:${port}${probePath}`).then((r) => r.ok, () => false)) ? true : undefined;
  }, 60_000);
  return child;
}

export interface Answer<T> {
  readonly status: number;
  readonly json: T;
}

export async function call<T = Record<string, unknown>>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer<T>> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, json: (text === '' ? {} : JSON.parse(text)) as T };
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface HistoryItem {
  transactionId: number;
  reason: string;
  title: string;
  reference: string;
  amount: number;
  sms: number;
}

export interface Balances {
  balance: number;
  sms: number;
  smsPostpaid: number;
  debt: number;
}

/**
 * What the client expects: every movement it caused, keyed by what caused it (a payment, a purchase, a send), so a
 * movement that shows up twice, or one that never shows up, is found.
 */
export class LedgerModel {
  readonly balance = { value: 0 };
  readonly sms = { value: 0 };
  /** reason → reference → the expected net change of the balance and of the SMS package. */
  private readonly expected = new Map<string, { amount: number; sms: number }>();

  record(reason: string, reference: string, amount: number, sms = 0): void {
    const k = `${reason}|${reference}`;
    const prior = this.expected.get(k) ?? { amount: 0, sms: 0 };
    this.expected.set(k, { amount: prior.amount + amount, sms: prior.sms + sms });
    this.balance.value += amount;
    this.sms.value += sms;
  }

  /** The API's balance and every line of its history against the model; returns the history for further checks. */
  reconcile(api: Balances, history: readonly HistoryItem[]): void {
    expect({ balance: api.balance, sms: api.sms }).toEqual({ balance: this.balance.value, sms: this.sms.value });
    expect(new Set(history.map((h) => h.transactionId)).size).toBe(history.length);
    const seen = new Map<string, { amount: number; sms: number }>();
    for (const h of history) {
      expect(h.title, `a human title for ${h.reason}`).not.toBe(h.reason);
      const k = `${h.reason}|${h.reference}`;
      const prior = seen.get(k) ?? { amount: 0, sms: 0 };
      seen.set(k, { amount: prior.amount + h.amount, sms: prior.sms + h.sms });
    }
    const nonZero = (m: Map<string, { amount: number; sms: number }>) =>
      Object.fromEntries([...m].filter(([, v]) => v.amount !== 0 || v.sms !== 0).sort(([a], [b]) => a.localeCompare(b)));
    expect(nonZero(seen)).toEqual(nonZero(this.expected));
    expect(history.reduce((s, h) => s + h.amount, 0)).toBe(api.balance);
    expect(history.reduce((s, h) => s + h.sms, 0)).toBe(api.sms);
  }
}
