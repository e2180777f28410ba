// jsdom lacks what antd's responsive components ask the browser for.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { fakeMediaQueryList } from './fake-media-query';

afterEach(() => cleanup());

window.matchMedia ??= (query: string) => fakeMediaQueryList(query, false);

class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver ??= NoResizeObserver as unknown as typeof ResizeObserver;
