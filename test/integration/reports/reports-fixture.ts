// A known set of receipts for the report tests: every receipt's inputs are kept (`sent`) so the tests compute the expected
// numbers from what was sent, never from the report code. Stored through the real persist processor.
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { closeShift, job, openShift } from '../api/api-test-helpers.js';
import { ascii, fvln, stlv, u32, u8, vln } from '../../support/kkt.js';
import type { TestDatabase } from '../../support/pg.js';

export interface SentItem {
  name: string;
  price: number;
  /** Quantity as mantissa and scale (1.5 = 15, 1). */
  qMantissa: number;
  qScale: number;
  sum: number;
}
export interface SentReceipt {
  org: number;
  inn: string;
  fn: string;
  fd: number;
  regId: string;
  /** Local wall clock, `YYYY-MM-DDTHH:mm:ss`. */
  local: string;
  operationType: number;
  taxation: number;
  place: string;
  items: SentItem[];
  total: number;
  cash: number;
  ecash: number;
  prepaid: number;
  credit: number;
  provision: number;
  nds18: number;
  nds10: number;
  nds0: number;
  ndsNo: number;
  nds18118: number;
  nds10110: number;
}

export interface Fixture {
  orgs: Array<{ inn: string; registers: Array<{ fn: string; regId: string; receipts: number }> }>;
  sent: SentReceipt[];
  /** Keys of the documents the processor reported as newly inserted. */
  inserted: Array<{ fn: string; fd: number; receivedAt: string }>;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITEMS = ['Bread', 'Milk', 'Cheese', 'Coffee', 'Tea', 'Sugar', 'Apples', 'Water'];
const pad = (n: number) => String(n).padStart(2, '0');

function receiptTlv(r: SentReceipt): Buffer[] {
  const secs = Date.parse(`${r.local}Z`) / 1000;
  return [
    ascii(1048, `OOO ${r.inn}`),
    ascii(1018, r.inn.padEnd(12, ' ')),
    u32(1012, secs),
    u32(1042, r.fd),
    u32(1038, 1),
    u8(1054, r.operationType),
    u8(1055, r.taxation),
    ascii(1037, r.regId.padEnd(20, ' ')),
    ascii(1009, 'Moscow, Tverskaya 1'),
    ascii(1187, r.place),
    ascii(1021, 'Cashier'),
    ...r.items.map((i) =>
      stlv(1059, ascii(1030, i.name), vln(1079, i.price), fvln(1023, i.qMantissa, i.qScale), vln(1043, i.sum), u8(1199, 6), u8(1212, 1), u8(1214, 4)),
    ),
    vln(1020, r.total),
    vln(1031, r.cash),
    vln(1081, r.ecash),
    vln(1215, r.prepaid),
    vln(1216, r.credit),
    vln(1217, r.provision),
    vln(1102, r.nds18),
    vln(1103, r.nds10),
    vln(1104, r.nds0),
    vln(1105, r.ndsNo),
    vln(1106, r.nds18118),
    vln(1107, r.nds10110),
    u32(1040, r.fd),
    ascii(1041, r.fn),
    u8(1209, 2),
  ];
}

/** Two organizations (the first with two registers), receipts over 2024-09-02 … 2024-09-29 (four ISO weeks). */
export function buildFixture(seed = 7, perRegister = 40): { fixture: Omit<Fixture, 'inserted'>; jobs: DocumentJob[] } {
  const rand = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const orgs: Fixture['orgs'] = [];
  const sent: SentReceipt[] = [];
  const jobs: DocumentJob[] = [];
  const base = Date.now() - 3_600_000;
  let tick = 0;
  const at = () => new Date(base + tick++ * 10);
  for (let o = 1; o <= 2; o++) {
    const inn = withInnCheckDigits(`77030000${o}`);
    const regs: Fixture['orgs'][number]['registers'] = [];
    for (let g = 1; g <= (o === 1 ? 2 : 1); g++) {
      const fn = `99990789100${o}${String(g).padStart(4, '0')}`;
      const regId = `0000000${o}${String(g).padStart(8, '0')}`;
      regs.push({ fn, regId, receipts: perRegister });
      jobs.push(job(fn, 1, 2, openShift({ fn, fd: 1, inn, regId, shift: 1 }), at()));
      for (let k = 0; k < perRegister; k++) {
        const fd = k + 2;
        const day = int(2, 29);
        const local = `2024-09-${pad(day)}T${pad(int(8, 21))}:${pad(int(0, 59))}:${pad(int(0, 59))}`;
        const items: SentItem[] = [];
        for (let n = int(1, 3); n > 0; n--) {
          const name = ITEMS[int(0, ITEMS.length - 1)]!;
          const price = int(1, 500) * 10 + (name === 'Coffee' ? 12340 : 0);
          const half = rand() < 0.2;
          const qMantissa = half ? 15 : int(1, 3);
          const qScale = half ? 1 : 0;
          const sum = half ? (price * 3) / 2 : price * qMantissa; // prices are multiples of 10: exact
          items.push({ name, price, qMantissa, qScale, sum });
        }
        const total = items.reduce((s, i) => s + i.sum, 0);
        const opRoll = rand();
        const operationType = opRoll < 0.75 ? 1 : opRoll < 0.9 ? 2 : opRoll < 0.96 ? 3 : 4;
        // Payments: split the total over the five methods.
        const cash = int(0, total);
        const ecash = int(0, total - cash);
        const prepaid = int(0, total - cash - ecash);
        const credit = int(0, total - cash - ecash - prepaid);
        const provision = total - cash - ecash - prepaid - credit;
        const taxation = rand() < 0.6 ? 1 : 2;
        const vatPart = taxation === 1 ? Math.floor(total / 6) : 0;
        const r: SentReceipt = {
          org: o,
          inn,
          fn,
          fd,
          regId,
          local,
          operationType,
          taxation,
          place: `Shop ${o}-${g}`,
          items,
          total,
          cash,
          ecash,
          prepaid,
          credit,
          provision,
          nds18: taxation === 1 ? vatPart : 0,
          nds10: taxation === 1 ? int(0, 100) : 0,
          nds0: 0,
          ndsNo: taxation === 1 ? 0 : total,
          nds18118: taxation === 1 ? int(0, 50) : 0,
          nds10110: 0,
        };
        sent.push(r);
        jobs.push(job(fn, fd, 3, receiptTlv(r), at()));
      }
      jobs.push(job(fn, perRegister + 2, 5, closeShift({ fn, fd: perRegister + 2, inn, regId, shift: 1, receipts: perRegister }), at()));
    }
    orgs.push({ inn, registers: regs });
  }
  return { fixture: { orgs, sent }, jobs };
}

/** Stores the jobs through the real persist processor, in batches; returns the keys it newly inserted. */
export async function store(database: TestDatabase, jobs: readonly DocumentJob[]): Promise<Fixture['inserted']> {
  const processor = createPersistProcessor({ db: database.db, logger: silentLogger() });
  const inserted: Fixture['inserted'] = [];
  for (let i = 0; i < jobs.length; i += 50) {
    const batch = jobs.slice(i, i + 50);
    const results = await processor(batch);
    results.forEach((r, k) => {
      if (!r.ok) throw r.error;
      if (r.inserted) inserted.push({ fn: r.fn, fd: r.fd, receivedAt: batch[k]!.receivedAt });
    });
  }
  return inserted;
}
