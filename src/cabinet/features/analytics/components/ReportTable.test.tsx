// The generic report table: the API's columns and titles, Russian formats, the «Итого» row of the API's net totals
// (not re-added here), and a figure's link to the receipts behind it.
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { ReportTable } from './ReportTable';

const NB = '\u00a0';

describe('ReportTable', () => {
  it('prints money, counts and days the Russian way, with the API’s net totals and links to the receipts', () => {
    const report = {
      columns: [
        { key: 'day', title: 'Дата', kind: 'text' },
        { key: 'operation', title: 'Признак расчёта', kind: 'text' },
        { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
        { key: 'totalSum', title: 'Итого, ₽', kind: 'money', total: true },
      ],
      items: [
        { day: '2026-11-02', operation: 'Приход', operationType: 1, receipts: 1200, totalSum: 18555933 },
        { day: '2026-11-02', operation: 'Возврат прихода', operationType: 2, receipts: 1, totalSum: 143328 },
      ],
      // Net, as the API sends it: 185 559,33 − 1 433,28.
      totals: { receipts: 1201, totalSum: 18412605 },
    };
    render(
      <MemoryRouter>
        <ReportTable report={report} rowKey={(r) => String(r['operationType'])} linkOf={(r, key) => (key === 'totalSum' ? `/receipts?operationType=${r['operationType']}` : undefined)} />
      </MemoryRouter>,
    );
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Дата', 'Признак расчёта', 'Чеков', 'Итого, ₽']);
    const rows = screen.getAllByRole('row');
    const first = within(rows[1]!).getAllByRole('cell').map((c) => c.textContent);
    expect(first).toEqual(['02.11.2026', 'Приход', `1${NB}200`, `185${NB}559,33`]);
    expect(within(rows[1]!).getByRole('link', { name: `185${NB}559,33` }).getAttribute('href')).toBe('/receipts?operationType=1');
    const totals = within(rows.at(-1)!).getAllByRole('cell').map((c) => c.textContent);
    expect(totals).toEqual(['Итого', '', `1${NB}201`, `184${NB}126,05`]);
  });
});
