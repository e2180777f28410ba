// The operator's area is the staff's only: the menu shows it to them alone, and a direct URL shows anyone else
// «Нет доступа» instead of the page.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { SESSION_KEY } from '../features/auth/api/session';
import { RequireOperator } from './RequireOperator';
import { menu, sectionRoutes, visibleMenu } from './routes';

function open(operator: boolean) {
  const qc = new QueryClient();
  qc.setQueryData(SESSION_KEY, { csrfToken: 'x', expiresIn: null, user: { id: 1, email: 'a@b.c', fullName: null, phone: null }, memberships: [], operator });
  render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={['/operator/tariffs']}>
        <Routes>
          <Route element={<RequireOperator />}>
            <Route path="/operator/tariffs" element={<h1>Каталог тарифов</h1>} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the operator’s area', () => {
  it('opens for the staff', () => {
    open(true);
    expect(screen.getByRole('heading', { name: 'Каталог тарифов' })).toBeTruthy();
  });

  it('shows «Нет доступа» to anyone else, with the way back', () => {
    open(false);
    expect(screen.queryByText('Каталог тарифов')).toBeNull();
    expect(screen.getByText('Нет доступа')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'На главную' }).getAttribute('href')).toBe('/');
  });

  it('is in the menu of the staff alone, and every page of the group is gated', () => {
    const keys = (operator: boolean) => visibleMenu(operator).flatMap((m) => [m.key, ...(m.children?.map((c) => c.key) ?? [])]);
    expect(keys(true)).toEqual(expect.arrayContaining(['operator-group', '/operator/tariffs', '/operator/bank-statements', '/operator/clients']));
    expect(keys(false).filter((k) => k.includes('operator'))).toEqual([]);
    expect(visibleMenu(true)).toBe(menu);
    const gated = sectionRoutes.filter((r) => r.operatorOnly).map((r) => `/${r.path}`);
    expect(gated).toEqual(['/operator/tariffs', '/operator/bank-statements', '/operator/clients']);
  });
});
