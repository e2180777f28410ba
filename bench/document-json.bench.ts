/**
 * Decode throughput of document-json on realistic receipts (the FNS sample's fields, 10 / 20 / 30 items with FFD 1.2
 * item tags). Target (brief): ≥ 100 000 receipts/s on one core. Run: `npx tsx bench/document-json.bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { decodeDocument, encodeDocument } from '../protocol/document-json.js';

const sample = JSON.parse(readFileSync(new URL('../fixtures/vectors/fns-receipt-ffd12.json', import.meta.url), 'utf8')) as {
  items: Array<Record<string, unknown>>;
} & Record<string, unknown>;

function receipt(items: number): Buffer {
  const list = Array.from({ length: items }, (_, i) => ({ ...sample.items[i % sample.items.length], ndsSum: 1000 + i }));
  return encodeDocument({ receipt: { ...sample, items: list } });
}

/** Best of several rounds, in CPU time of this process, so other load on the machine disturbs the figure less. */
function bench(items: number): void {
  const doc = receipt(items);
  for (let i = 0; i < 20_000; i++) decodeDocument(doc); // warm-up
  const perRound = 20_000;
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < perRound; i++) decodeDocument(doc);
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / perRound);
  }
  const rate = Math.round(1e6 / best).toLocaleString('en');
  console.log(`decodeDocument ${String(items).padStart(2)} items ${doc.length} B: ${rate} receipts/s, ${best.toFixed(2)} µs CPU each`);
}

for (const items of [10, 20, 30]) bench(items);
