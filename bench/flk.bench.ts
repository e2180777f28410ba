/**
 * `npx tsx bench/flk.bench.ts` — the gateway's per-document inspection on one core: decode (protocol/document-json) +
 * ФЛК (src/gateway/flk), as `createInspector()` runs it, and the ФЛК alone on already-decoded JSON.
 * Inputs: the real FNS FFD 1.2 receipt (6 items), and FFD 1.2 receipts of 20 items built from it.
 * Prints the median of 5 runs, in documents per second, and every run, as JSON. The bar: ≥ 100 000 receipts/s.
 */
import { readFileSync } from 'node:fs';
import { decodeDocument, encodeDocument } from '../protocol/document-json.js';
import { checkDocument } from '../src/gateway/flk/check-document.js';
import { createInspector } from '../src/gateway/flk/inspector.js';

const RUNS = 5;
const MIN_RUN_MS = 1000;

const sample = JSON.parse(readFileSync(new URL('../fixtures/vectors/fns-receipt-ffd12.json', import.meta.url), 'utf8')) as Record<string, unknown>;
for (const k of ['metadata', 'messageFiscalSign', 'redefine_mask', 'numberKkt', 'region']) delete sample[k];
const FN = sample.fiscalDriveNumber as string;
const FD = sample.fiscalDocumentNumber as number;
const ctx = { fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: new Date('2024-09-17T11:01:24Z') };

function receiptOf(itemCount: number): Buffer {
  const base = sample.items as Record<string, unknown>[];
  const items = Array.from({ length: itemCount }, (_, i) => ({ ...base[i % base.length]! }));
  const total = items.reduce((s, it) => s + (it.sum as number), 0);
  // All items are at 10 %: the receipt's 1103 is the VAT of the total, 10/110, rounded.
  const body = { ...sample, items, totalSum: total, ecashTotalSum: total, nds10: Math.round((total * 10) / 110) };
  return encodeDocument({ receipt: body });
}

const inputs: Array<{ name: string; tlv: Buffer }> = [
  { name: 'real receipt, 6 items', tlv: encodeDocument({ receipt: sample }) },
  { name: 'receipt, 20 items', tlv: receiptOf(20) },
];

const inspect = createInspector();
for (const { name, tlv } of inputs) {
  const out = inspect(tlv, 3, ctx);
  if (!out.recognised || out.flkCodes.length) throw new Error(`${name}: expected a clean pass, got ${JSON.stringify(out)}`);
}

/** Runs `fn` for at least MIN_RUN_MS in batches; returns calls per second. */
function rate(fn: () => void): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < MIN_RUN_MS) {
    for (let i = 0; i < 1000; i++) fn();
    calls += 1000;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return Math.round(calls / (elapsedMs / 1000));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const results: Record<string, { medianPerSecond: number; runs: number[] }> = {};
function measure(label: string, fn: () => void): void {
  rate(fn); // warm-up
  const runs = Array.from({ length: RUNS }, () => rate(fn));
  results[label] = { medianPerSecond: median(runs), runs };
}

for (const { name, tlv } of inputs) {
  const fields = decodeDocument(tlv).json.receipt!;
  measure(`decode only — ${name}`, () => decodeDocument(tlv));
  measure(`decode + ФЛК (inspector) — ${name}`, () => inspect(tlv, 3, ctx));
  measure(`ФЛК only — ${name}`, () => checkDocument(fields, { form: 3, ...ctx }));
}

console.log(JSON.stringify({ bench: 'flk', node: process.version, results }, null, 2));
