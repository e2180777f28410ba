/**
 * Decode throughput of document-json on realistic receipts (the FNS sample's fields, 10 / 20 / 30 items with FFD 1.2
 * item tags). Target (brief): ≥ 100 000 receipts/s on one core. Run: `npx tsx bench/document-json.bench.ts`.
 * One document decoded over and over: after its first COMPILE_AFTER decodes its objects come from compiled constructors
 * (see document-json.ts), so this is the steady state of a recurring document shape.
 *
 * Then what the FNS JSON of a stored document and an FNS submission do after decoding — the decoded receipt made plain
 * JSON values (bigints as strings) — both ways: src/domain/json-value.ts's walk, and the JSON text round trip it
 * replaced (the reference, measured in the same run).
 */
import { readFileSync } from 'node:fs';
import { decodeDocument, encodeDocument } from '../protocol/document-json.js';
import { toJsonValue } from '../src/domain/json-value.js';

const sample = JSON.parse(readFileSync(new URL('../fixtures/vectors/fns-receipt-ffd12.json', import.meta.url), 'utf8')) as {
  items: Array<Record<string, unknown>>;
} & Record<string, unknown>;

function receipt(items: number): Buffer {
  const list = Array.from({ length: items }, (_, i) => ({ ...sample.items[i % sample.items.length], ndsSum: 1000 + i }));
  return encodeDocument({ receipt: { ...sample, items: list } });
}

/** Median and best of several rounds, in CPU time of this process, so other load on the machine disturbs them less. */
function bench(items: number, label = 'decodeDocument', work: (doc: Buffer) => unknown = decodeDocument): void {
  const doc = receipt(items);
  for (let i = 0; i < 20_000; i++) work(doc); // warm-up
  const perRound = 20_000;
  const each: number[] = [];
  for (let round = 0; round < 7; round++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < perRound; i++) work(doc);
    const t = process.cpuUsage(t0);
    each.push((t.user + t.system) / perRound);
  }
  each.sort((a, b) => a - b);
  const median = each[Math.floor(each.length / 2)]!;
  const best = each[0]!;
  const rate = (us: number): string => Math.round(1e6 / us).toLocaleString('en');
  console.log(
    `${label} ${String(items).padStart(2)} items ${doc.length} B: median ${rate(median)} receipts/s (${median.toFixed(2)} µs CPU each), ` +
      `best ${rate(best)} (${best.toFixed(2)} µs)`,
  );
}

for (const items of [10, 20, 30]) bench(items);

const bigintsAsStrings = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);
for (const items of [10, 20, 30]) {
  const decoded = decodeDocument(receipt(items)).json;
  bench(items, 'to plain JSON, toJsonValue      ', () => toJsonValue(decoded));
  bench(items, 'to plain JSON, JSON text round trip', () => JSON.parse(JSON.stringify(decoded, bigintsAsStrings)) as unknown);
}
