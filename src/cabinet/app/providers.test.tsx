import { render, screen } from '@testing-library/react';
import { Button } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeMediaQueryList } from '../fake-media-query';
import { AppProviders } from './providers';

/** matchMedia as a browser answers it for a person who did (or did not) ask for reduced motion. */
function prefersReducedMotion(reduce: boolean): void {
  vi.stubGlobal('matchMedia', (query: string) => fakeMediaQueryList(query, reduce && query === '(prefers-reduced-motion: reduce)'));
}

function SignButton({ loading }: { loading: boolean }) {
  return (
    <AppProviders>
      <Button loading={loading}>Подписать и войти</Button>
    </AppProviders>
  );
}

describe('AppProviders and reduced motion', () => {
  afterEach(() => vi.unstubAllGlobals());

  // With animations on, a finished loading icon leaves with a CSS transition and stays (named «loading») until the
  // browser reports `transitionend`, which jsdom never does. That is the state a starved browser can be left in.
  it('with animations, the finished loading icon is still leaving', () => {
    prefersReducedMotion(false);
    const { rerender } = render(<SignButton loading />);
    rerender(<SignButton loading={false} />);
    expect(screen.queryByRole('button', { name: 'Подписать и войти' })).toBeNull();
  });

  it('with reduced motion asked for, the loading icon goes at once and the button has its own name again', () => {
    prefersReducedMotion(true);
    const { rerender } = render(<SignButton loading />);
    expect(screen.getByRole('button', { name: /loading/ })).toBeTruthy();
    rerender(<SignButton loading={false} />);
    expect(screen.getByRole('button', { name: 'Подписать и войти' })).toBeTruthy();
  });
});
