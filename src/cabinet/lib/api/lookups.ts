/**
 * Lookups several sections need (names of outlets and registers for selects and tables). Shared here, in lib/, so
 * features do not import each other. Up to 500 of each: a customer's fleet; lists beyond that page in their sections.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from './client';

export type Outlet = paths['/api/v1/outlets']['get']['responses'][200]['content']['application/json']['items'][number];
export type Register = paths['/api/v1/registers']['get']['responses'][200]['content']['application/json']['items'][number];

export const OUTLETS_KEY = ['outlets', 'all'] as const;
export const REGISTERS_KEY = ['registers', 'all'] as const;

export function useAllOutlets() {
  return useQuery({ queryKey: OUTLETS_KEY, queryFn: () => unwrap(api.GET('/api/v1/outlets', { params: { query: { limit: 500 } } })) });
}

export function useAllRegisters() {
  return useQuery({ queryKey: REGISTERS_KEY, queryFn: () => unwrap(api.GET('/api/v1/registers', { params: { query: { limit: 500 } } })) });
}

export function outletTitle(o: Pick<Outlet, 'address' | 'place' | 'id'>): string {
  return [o.place, o.address].filter((s) => s.trim() !== '').join(', ') || `Точка №${o.id}`;
}

// Under 'organizations' (invalidated with it), apart from the Торговые точки page's own query of the same list.
export const ORGANIZATIONS_KEY = ['organizations', 'lookup'] as const;

/** The caller's organizations (up to 100): the filters' organization select, and whose exports a button makes. */
export function useAllOrganizations() {
  return useQuery({ queryKey: ORGANIZATIONS_KEY, queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 100 } }, signal })) });
}

/** Registers as select options, each named by its registration number. */
export function registerOptions(registers: readonly Pick<Register, 'id' | 'registrationNumber'>[] | undefined): { value: number; label: string }[] {
  return (registers ?? []).map((r) => ({ value: r.id, label: `РН ${r.registrationNumber}` }));
}

/** Outlets as select options, each named by its title. */
export function outletOptions(outlets: readonly Outlet[] | undefined): { value: number; label: string }[] {
  return (outlets ?? []).map((o) => ({ value: o.id, label: outletTitle(o) }));
}
