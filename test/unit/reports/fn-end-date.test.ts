// The FN end-date rule (src/domain/fn-end-date.ts) on hand-made facts: each candidate date with its reason, the earliest
// wins, and the validity months read from a registration report's key resource (1213).
import { describe, expect, it } from 'vitest';
import { addMonths, fnEndDate, validityMonthsFromKeyResource, type FnDriveFacts } from '../../../src/domain/fn-end-date.js';

const NOW = new Date('2026-03-01T09:00:00Z');
const facts = (over: Partial<FnDriveFacts> = {}): FnDriveFacts => ({
  registered_at: '2025-06-10T10:00:00',
  validity_months: 15,
  key_resource_days: null,
  key_resource_reported_at: null,
  last_fd: null,
  last_document_at: null,
  exhaustion_sign: false,
  replace_required_sign: false,
  memory_exceeded_sign: false,
  ...over,
});

describe('validityMonthsFromKeyResource', () => {
  it.each([
    [396, 13],
    [410, 13],
    [456, 15],
    [480, 15],
    [1096, 36],
    [1110, 36],
    [0, null],
    [null, null],
    [2000, null],
  ])('%s days → %s months', (days, months) => expect(validityMonthsFromKeyResource(days)).toBe(months));
});

describe('fnEndDate', () => {
  it('adds calendar months, clamping to the month end', () => {
    expect(addMonths('2025-01-31T12:00:00', 13)).toBe('2026-02-28');
    expect(addMonths('2024-11-30', 15)).toBe('2026-02-28');
    expect(addMonths('2023-03-05', 36)).toBe('2026-03-05');
  });

  it('validity alone: registration + months', () => {
    expect(fnEndDate(facts(), NOW)).toMatchObject({ replaceBy: '2026-09-10', reason: 'validity', daysLeft: 193, validityBasis: 'registration' });
  });

  it('the key resource the FN reported, when earlier', () => {
    const e = fnEndDate(facts({ key_resource_days: 20, key_resource_reported_at: '2026-02-25T22:00:00' }), NOW);
    expect(e).toMatchObject({ replaceBy: '2026-03-17', reason: 'key_resource', daysLeft: 16, keyResourceEndsOn: '2026-03-17', validityEndsOn: '2026-09-10' });
    expect(e.candidates.map((c) => c.reason)).toEqual(['key_resource', 'validity']);
  });

  it('the archive fill, at the rate so far', () => {
    // 200 000 FDs in 200 days since registration: 1 000 a day, 50 000 left → 50 days after the last document.
    const e = fnEndDate(facts({ registered_at: '2025-08-13T00:00:00', last_document_at: '2026-03-01T00:00:00', last_fd: 200_000 }), NOW);
    expect(e).toMatchObject({ replaceBy: '2026-04-20', reason: 'archive_fill', fullOn: '2026-04-20', fillPercent: 80 });
  });

  it('a signal of the FN: today', () => {
    expect(fnEndDate(facts({ replace_required_sign: true }), NOW)).toMatchObject({ replaceBy: '2026-03-01', reason: 'fn_signal', daysLeft: 0 });
  });

  it('nothing known without a registration', () => {
    expect(fnEndDate(facts({ registered_at: null }), NOW)).toMatchObject({ replaceBy: null, reason: null, daysLeft: null });
  });
});
