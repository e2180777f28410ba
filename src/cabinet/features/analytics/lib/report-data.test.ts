import { describe, expect, it } from 'vitest';
import { abcExtraOf, matrixCells, thresholdsText } from './abc-matrix';
import { compareCells, formatCell } from './cells';
import { receiptsHref } from './filters';
import { daysOf, fnTimeline, hoursHeatmap, outletsSideBySide, paretoPoints, paymentShares, revenueByDay, urgencyOf } from './report-data';

const NB = '\u00a0';

describe('what the charts show', () => {
  const payments = [
    { day: '2026-11-02', operationType: 1, receipts: 3, totalSum: 18555933, cash: 10000000, card: 8555933, prepaid: 0, credit: 0, provision: 0 },
    { day: '2026-11-02', operationType: 2, receipts: 1, totalSum: 143328, cash: 143328, card: 0, prepaid: 0, credit: 0, provision: 0 },
    { day: '2026-11-04', operationType: 1, receipts: 2, totalSum: 5000, cash: 0, card: 5000, prepaid: 0, credit: 0, provision: 0 },
  ];

  it('nets returns out of the takings by day, every day of the period on the axis', () => {
    expect(revenueByDay(payments, daysOf('2026-11-01', '2026-11-04'))).toEqual([
      { day: '2026-11-01', revenue: 0, receipts: 0 },
      // 185 559,33 − 1 433,28 = 184 126,05 (the example).
      { day: '2026-11-02', revenue: 18412605, receipts: 3 },
      { day: '2026-11-03', revenue: 0, receipts: 0 },
      { day: '2026-11-04', revenue: 5000, receipts: 2 },
    ]);
  });

  it('gives net payment-type sums and their shares, leaving out types with nothing', () => {
    const s = paymentShares(payments);
    expect(s.map((x) => [x.key, x.sum])).toEqual([
      ['cash', 10000000 - 143328],
      ['card', 8560933],
    ]);
    const total = 10000000 - 143328 + 8560933;
    expect(s[0]!.percent).toBe(Math.round(((10000000 - 143328) / total) * 1000) / 10);
  });

  it('lays hours out Monday-first with the largest cell for the colour scale', () => {
    const h = hoursHeatmap(
      [
        { weekday: 1, hour: 9, sellReceipts: 2, revenue: 300 },
        { weekday: 7, hour: 23, sellReceipts: 1, revenue: 900 },
      ],
      'revenue',
    );
    expect(h).toEqual({ cells: [[9, 0, 300], [23, 6, 900]], max: 900 });
  });

  it('sums an outlet’s registers side by side, registers without an outlet apart', () => {
    const o = outletsSideBySide([
      { outletId: 7, address: 'Ленина, 1', place: 'Магазин', registerId: 1, sellReceipts: 2, sellSum: 1000, returnReceipts: 1, returnSum: 100 },
      { outletId: 7, address: 'Ленина, 1', place: 'Магазин', registerId: 2, sellReceipts: 1, sellSum: 501, returnReceipts: 0, returnSum: 0 },
      { outletId: null, address: null, place: null, registerId: 3, sellReceipts: 1, sellSum: 50, returnReceipts: 0, returnSum: 0 },
    ]);
    expect(o).toEqual([
      { outletId: 7, title: 'Магазин, Ленина, 1', registers: 2, sellReceipts: 3, sellSum: 1501, returnReceipts: 1, returnSum: 100, revenue: 1401, averageCheck: 500 },
      { outletId: null, title: 'Без торговой точки', registers: 1, sellReceipts: 1, sellSum: 50, returnReceipts: 0, returnSum: 0, revenue: 50, averageCheck: 50 },
    ]);
  });

  it('draws the Pareto curve as the cumulative revenue share', () => {
    expect(paretoPoints([{ name: 'b', revenue: 100, abc: 'B' }, { name: 'a', revenue: 300, abc: 'A' }]).map((p) => [p.name, p.cumulative])).toEqual([
      ['a', 75],
      ['b', 100],
    ]);
  });

  it('puts FN and OFD dates on one timeline, soonest first, undated last, with urgency', () => {
    const t = fnTimeline([
      { fn: '2', registrationNumber: 'R2', registerId: 2, replaceBy: null, daysLeft: null, reason: 'нет данных', ofdServiceUntil: null },
      { fn: '1', registrationNumber: 'R1', registerId: 1, replaceBy: '2027-03-01', daysLeft: 86, reason: 'срок ФН 15 мес.', ofdServiceUntil: '2026-12-20', ofdServiceDaysLeft: 15 },
    ]);
    expect(t.map((e) => [e.what, e.fn, e.on, e.urgency])).toEqual([
      ['ofd', '1', '2026-12-20', 'urgent'],
      ['fn', '1', '2027-03-01', 'soon'],
      ['fn', '2', null, 'unknown'],
    ]);
    expect([urgencyOf(-1), urgencyOf(0), urgencyOf(30), urgencyOf(31), urgencyOf(91)]).toEqual(['overdue', 'urgent', 'urgent', 'soon', 'later']);
  });
});

describe('ABC/XYZ matrix', () => {
  const extra = { weeks: 2, minWeeks: 4, xyzJudged: false, warning: 'коротко', thresholds: { abc: { A: 80, B: 95 }, xyz: { X: 10, Y: 25 } }, matrix: { A: 1, B: 0, C: 2 }, cells: { A: ['хлеб'], C: ['соль', 'спички'] } };

  it('shows one column when XYZ was not judged, three when it was, with the thresholds in words', () => {
    const e = abcExtraOf(extra)!;
    expect(matrixCells(e).map((r) => r.cells.map((c) => [c.key, c.count, c.items.length]))).toEqual([[['A', 1, 1]], [['B', 0, 0]], [['C', 2, 2]]]);
    const judged = abcExtraOf({ ...extra, xyzJudged: true, weeks: 5, matrix: { AX: 1 }, cells: { AX: ['хлеб'] } })!;
    expect(matrixCells(judged).flatMap((r) => r.cells.map((c) => c.key))).toEqual(['AX', 'AY', 'AZ', 'BX', 'BY', 'BZ', 'CX', 'CY', 'CZ']);
    expect(thresholdsText(e).join(' ')).toContain('первые 80 %');
    expect(thresholdsText(e).join(' ')).toContain('по 2 нед., нужно не меньше 4');
    expect(abcExtraOf({})).toBeUndefined();
  });
});

describe('cells and links', () => {
  it('formats money, counts, decimals and local dates the Russian way, and sorts numbers as numbers', () => {
    expect(formatCell('money', 18412605)).toBe(`184${NB}126,05`);
    expect(formatCell('money', -5)).toBe('\u22120,05');
    expect(formatCell('int', 12345)).toBe(`12${NB}345`);
    expect(formatCell('decimal', '12.50')).toBe('12,50');
    expect(formatCell('text', '2026-12-05')).toBe('05.12.2026');
    expect(formatCell('text', null)).toBe('—');
    expect(compareCells('decimal', '9.5', '10.25')).toBe(-1);
    expect(compareCells('money', null, 0)).toBe(-1);
  });

  it('opens the receipts behind a figure with the period, places and what it counts', () => {
    const p = { preset: 'month' as const, from: '2026-11-01', to: '2026-11-30' };
    const href = receiptsHref({ outletId: 3, organizationId: 9 }, p, { day: '2026-11-02', operationType: 2, payment: 'cash', registerId: 5 });
    const q = new URL(href, 'http://x').searchParams;
    expect(href.startsWith('/receipts?')).toBe(true);
    expect(Object.fromEntries(q)).toEqual({ organizationId: '9', outletId: '3', registerId: '5', dateFrom: '2026-11-02T00:00:00', dateTo: '2026-11-02T23:59:59', operationType: '2', payment: 'cash' });
    expect(new URL(receiptsHref({}, p, { item: 'х' }), 'http://x').searchParams.get('item')).toBeNull();
  });
});
