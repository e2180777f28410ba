// Filters ↔ URL: the list's URL carries every filter in the API's own names and units; a link reproduces the view,
// a hand-edited URL never breaks it, and applying the filter form writes the URL (dropping the paging cursor).
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { filtersToSearch, parseFilters, useUrlFilters } from '../../../lib/url-filters';
import { activeFilterCount, RECEIPT_FILTERS, toDocumentQuery } from './receipt-filters';

describe('receipt filters in the URL', () => {
  it('parses every filter with its type and drops what does not parse', () => {
    const f = parseFilters(
      RECEIPT_FILTERS,
      new URLSearchParams('outletId=3&registerId=x&amountMin=10050&dateFrom=2026-12-01T00:00:00&hasMarking=true&fnsStatus=rejected&fd=&item=%D0%BC%D0%BE%D0%BB%D0%BE%D0%BA%D0%BE&fiscalSign=12.5&unknown=1'),
    );
    expect(f).toEqual({ outletId: 3, amountMin: 10050, dateFrom: '2026-12-01T00:00:00', hasMarking: true, fnsStatus: 'rejected', item: 'молоко' });
    expect(activeFilterCount(f)).toBe(6);
  });

  it('writes them back in a stable order, omitting empty ones, and maps 1:1 onto the API query', () => {
    const params = filtersToSearch(RECEIPT_FILTERS, { payment: 'cash', fd: 17, amountMax: 500000, item: '', hasMarking: false });
    expect(params.toString()).toBe('payment=cash&amountMax=500000&fd=17&hasMarking=false');
    expect(parseFilters(RECEIPT_FILTERS, params)).toEqual({ payment: 'cash', fd: 17, amountMax: 500000, hasMarking: false });
    expect(toDocumentQuery({ payment: 'cash', cursor: 'abc' })).toEqual({ limit: 50, payment: 'cash', cursor: 'abc', form: 'receipt' });
  });

  it('a page reads the URL and a change writes a new history entry, so Back returns to the previous filters', async () => {
    function Probe() {
      const [f, set] = useUrlFilters(RECEIPT_FILTERS);
      const loc = useLocation();
      return (
        <>
          <output aria-label="url">{loc.search}</output>
          <output aria-label="operation">{String(f.operationType ?? '')}</output>
          <button onClick={() => set({ ...f, operationType: 2, cursor: undefined })}>возвраты</button>
        </>
      );
    }
    const router = createMemoryRouter([{ path: '/receipts', element: <Probe /> }], { initialEntries: ['/receipts?operationType=1&cursor=c1'] });
    render(<RouterProvider router={router} />);
    expect(screen.getByLabelText('operation').textContent).toBe('1');
    fireEvent.click(screen.getByText('возвраты'));
    await waitFor(() => expect(screen.getByLabelText('url').textContent).toBe('?operationType=2'));
    await router.navigate(-1);
    await waitFor(() => expect(screen.getByLabelText('operation').textContent).toBe('1'));
    expect(screen.getByLabelText('url').textContent).toBe('?operationType=1&cursor=c1');
  });
});
