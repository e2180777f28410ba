// The OFD service end in days (pure), and the catalogue of notification kinds against the webhook event types.
import { describe, expect, it } from 'vitest';
import { lastPaidDay, moscowDate, moscowDateTime, moscowDayStart, ofdServiceDaysLeft, periodStanding } from '../../../src/domain/ofd-service.js';
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

describe('a period ending at an instant (the branded service)', () => {
  it('has as last day the Moscow day of the instant before its end: one ending at Moscow midnight ends the day before', () => {
    expect(lastPaidDay(new Date('2027-04-10T09:00:00Z'))).toBe('2027-04-10');
    // 2027-04-10T21:00Z is 11 April 00:00 in Moscow: the service was on through 10 April only.
    expect(lastPaidDay(new Date('2027-04-10T21:00:00Z'))).toBe('2027-04-10');
    expect(lastPaidDay(new Date('2027-04-10T21:00:01Z'))).toBe('2027-04-11');
    expect(moscowDayStart('2027-04-11').toISOString()).toBe('2027-04-10T21:00:00.000Z');
    expect(moscowDayStart('2027-04-11', 31).toISOString()).toBe('2027-05-11T21:00:00.000Z');
    expect(moscowDateTime(new Date('2027-04-10T09:00:00Z'))).toBe('10.04.2027 12:00');
    expect(moscowDateTime(new Date('2026-12-31T21:30:00Z'))).toBe('01.01.2027 00:30');
  });

  it('stands: days left to the last day, ended from the end instant on, and news for 7 days after', () => {
    const end = new Date('2027-04-10T09:00:00Z');
    expect(periodStanding(end, new Date('2027-03-10T21:00:00Z'))).toEqual({ lastDay: '2027-04-10', daysLeft: 30, ended: false, endedRecently: false });
    expect(periodStanding(end, new Date('2027-04-10T08:59:59Z'))).toEqual({ lastDay: '2027-04-10', daysLeft: 0, ended: false, endedRecently: false });
    expect(periodStanding(end, new Date('2027-04-10T09:00:00Z'))).toEqual({ lastDay: '2027-04-10', daysLeft: 0, ended: true, endedRecently: true });
    expect(periodStanding(end, new Date('2027-04-17T09:00:00Z'))).toMatchObject({ daysLeft: -7, ended: true, endedRecently: true });
    expect(periodStanding(end, new Date('2027-04-17T09:00:01Z'))).toMatchObject({ ended: true, endedRecently: false });
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
    expect(STATE_KINDS).toContain('branding.expiring');
  });
});
