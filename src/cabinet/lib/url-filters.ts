/**
 * Filters live in the URL (style.md): a link reproduces the view and the back button works. A filter set is declared
 * once as field → kind; `parseFilters` reads URLSearchParams into typed values (dropping what does not parse, so a
 * hand-edited URL never breaks the page) and `filtersToSearch` writes them back, omitting empty ones.
 */
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

export type FilterKind = 'string' | 'int' | 'bool';
export type FilterSpec = Readonly<Record<string, FilterKind>>;
type ValueOf<K extends FilterKind> = K extends 'int' ? number : K extends 'bool' ? boolean : string;
export type FilterValues<S extends FilterSpec> = { [P in keyof S]?: ValueOf<S[P]> };

export function parseFilters<S extends FilterSpec>(spec: S, params: URLSearchParams): FilterValues<S> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const raw = params.get(name);
    if (raw === null || raw.trim() === '') continue;
    if (kind === 'int') {
      if (/^-?\d{1,15}$/.test(raw.trim())) out[name] = Number(raw.trim());
    } else if (kind === 'bool') {
      if (raw === 'true' || raw === 'false') out[name] = raw === 'true';
    } else {
      out[name] = raw;
    }
  }
  return out as FilterValues<S>;
}

export function filtersToSearch<S extends FilterSpec>(spec: S, values: FilterValues<S>): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of Object.keys(spec)) {
    const v = values[name];
    if (v === undefined || v === null || v === '') continue;
    params.set(name, String(v));
  }
  return params;
}

/**
 * The filters of the current URL and a setter that replaces them (a new history entry, so Back returns to the
 * previous view). `cursor` is a paging position, reset whenever a filter changes.
 */
export function useUrlFilters<S extends FilterSpec>(spec: S): [FilterValues<S>, (next: FilterValues<S>) => void] {
  const [params, setParams] = useSearchParams();
  const values = useMemo(() => parseFilters(spec, params), [spec, params]);
  const set = useCallback((next: FilterValues<S>) => setParams(filtersToSearch(spec, next)), [spec, setParams]);
  return [values, set];
}
