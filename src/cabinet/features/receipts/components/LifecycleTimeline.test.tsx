// The receipt's lifecycle: the ack appears only when one was written to the register's connection (issue 13 item 4);
// otherwise the page says the ack is not confirmed.
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ReceiptDetail } from '../api/receipts';
import { LifecycleTimeline } from './LifecycleTimeline';

const base = {
  receivedAt: '2026-12-05T09:05:00.000Z',
  timeline: [
    { kind: 'received', at: '2026-12-05T09:05:00.000Z', detail: null },
    { kind: 'persisted', at: '2026-12-05T09:05:00.400Z', detail: null },
  ],
} as unknown as ReceiptDetail['status'];

describe('LifecycleTimeline', () => {
  it('shows the ack written, with its code', () => {
    render(<LifecycleTimeline status={{ ...base, ackedAt: '2026-12-05T09:05:00.020Z', ackCode: 14 }} />);
    expect(screen.getByText('Квитанция отправлена кассе (код 14)')).toBeTruthy();
    expect(screen.queryByText(/не подтверждена/)).toBeNull();
  });

  it('says the ack is not confirmed when none was written', () => {
    render(<LifecycleTimeline status={{ ...base, ackedAt: null, ackCode: null }} />);
    expect(screen.getByText('Отправка квитанции кассе не подтверждена: касса передаст документ повторно')).toBeTruthy();
    expect(screen.queryByText(/Квитанция отправлена/)).toBeNull();
  });
});
