// The OFD service end in days (pure), and the catalogue of notification kinds against the webhook event types.
import { describe, expect, it } from 'vitest';
import { moscowDate, ofdServiceDaysLeft } from '../../../src/domain/ofd-service.js';
import { NOTIFICATION_KINDS, NOTIFICATION_TITLES, STATE_KINDS } from '../../../src/domain/notification-kinds.js';
import { WEBHOOK_EVENTS } from '../../../src/db/webhooks.repository.js';

describe('ofdServiceDaysLeft', () => {
  it('counts whole days from the Moscow date of now (UTC+3) to the last day of service', () => {
    // 20:59:59 UTC is 23:59:59 in Moscow, still 1 March; one second later it is 2 March there.
    expect(moscowDate(new Date('2025-03-01T20:59:59Z'))).toBe('2025-03-01');
    expect(moscowDate(new Date('2025-03-01T21:00:00Z'))).toBe('2025-03-02');
    expect(ofdServiceDaysLeft('2025-03-31', new Date('2025-03-01T20:59:59Z'))).toBe(30);
    expect(ofdServiceDaysLeft('2025-03-31', new Date('2025-03-01T21:00:00Z'))).toBe(29);
  });

  it('is 0 on the last day, negative after it, and crosses month, leap-day and year ends', () => {
    expect(ofdServiceDaysLeft('2025-03-31', new Date('2025-03-31T10:00:00Z'))).toBe(0);
    expect(ofdServiceDaysLeft('2025-03-31', new Date('2025-04-02T10:00:00Z'))).toBe(-2);
    // 2024 is a leap year: 28 Feb → 1 Mar is two days.
    expect(ofdServiceDaysLeft('2024-03-01', new Date('2024-02-28T12:00:00Z'))).toBe(2);
    expect(ofdServiceDaysLeft('2026-01-01', new Date('2025-12-31T12:00:00Z'))).toBe(1);
    // A whole non-leap year.
    expect(ofdServiceDaysLeft('2026-06-15', new Date('2025-06-15T12:00:00Z'))).toBe(365);
  });
});

describe('notification kinds', () => {
  it('are all webhook event types, each with an e-mail subject; state kinds are kinds', () => {
    for (const kind of NOTIFICATION_KINDS) {
      expect(WEBHOOK_EVENTS).toContain(kind);
      expect(NOTIFICATION_TITLES[kind].length).toBeGreaterThan(5);
    }
    for (const kind of STATE_KINDS) expect(NOTIFICATION_KINDS).toContain(kind);
    expect(NOTIFICATION_KINDS).toContain('ofd.expiring');
  });
});
