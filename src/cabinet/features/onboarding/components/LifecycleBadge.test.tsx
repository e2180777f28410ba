import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LifecycleBadge } from './LifecycleBadge';

describe('LifecycleBadge', () => {
  it('names each stage in Russian', () => {
    const { rerender } = render(<LifecycleBadge r={{ lifecycle: 'awaiting_registration', conflict: null }} />);
    expect(screen.getByText('Ожидает регистрации в ФНС')).toBeTruthy();
    rerender(<LifecycleBadge r={{ lifecycle: 'fn_replaced', conflict: null }} />);
    expect(screen.getByText('ФН заменён')).toBeTruthy();
    expect(screen.queryByText('Конфликт')).toBeNull();
  });

  it('flags a conflict', () => {
    render(<LifecycleBadge r={{ lifecycle: 'added', conflict: 'serial_claimed_elsewhere' }} />);
    expect(screen.getByText('Добавлена')).toBeTruthy();
    expect(screen.getByText('Конфликт')).toBeTruthy();
  });
});
