import { describe, expect, it } from 'vitest';
import type { FiscalDriveState } from '../../../src/db/api-registry.repository.js';
import type { Register } from '../../../src/db/tables/registry.js';
import { fnForecast, registerConnection } from '../../../src/domain/registry-status.js';

const NOW = new Date('2026-03-01T09:00:00Z');
const HOUR = 3600_000;

function drive(over: Partial<FiscalDriveState> = {}): FiscalDriveState {
  return {
    fn: '9999078900000001',
    register_id: 1,
    ffd_version: 2,
    registered_at: '2025-06-01T10:00:00',
    registration_fd: 1,
    validity_months: 15,
    key_resource_days: null,
    key_resource_reported_at: null,
    first_fd: 1,
    last_fd: 100,
    last_document_at: null,
    exhaustion_sign: false,
    replace_required_sign: false,
    memory_exceeded_sign: false,
    not_transmitted_count: 0,
    not_transmitted_since: null,
    closed_at: null,
    closed_fd: null,
    created_at: NOW,
    updated_at: NOW,
    effective_register_id: 1,
    last_received_at: new Date(NOW.getTime() - HOUR),
    gap_count: 0,
    missing_fds: 0,
    ...over,
  };
}

const register = { id: 1, status: 'active' } as Register;

describe('register connection status', () => {
  it('is connected when heard from recently and nothing needs doing', () => {
    expect(registerConnection(register, [drive()], NOW, 24 * HOUR)).toMatchObject({ status: 'connected', attention: [], currentFn: '9999078900000001' });
  });

  it('is silent after the threshold, or when never heard from', () => {
    expect(registerConnection(register, [drive({ last_received_at: new Date(NOW.getTime() - 25 * HOUR) })], NOW, 24 * HOUR).status).toBe('silent');
    expect(registerConnection(register, [], NOW, 24 * HOUR)).toMatchObject({ status: 'silent', currentFn: null });
  });

  it.each([
    [{ replace_required_sign: true }, 'fn_replace_required'],
    [{ exhaustion_sign: true }, 'fn_exhausted'],
    [{ memory_exceeded_sign: true }, 'fn_memory_exceeded'],
    [{ gap_count: 2, missing_fds: 5 }, 'fd_gaps'],
    [{ not_transmitted_count: 3 }, 'not_transmitted'],
    [{ registered_at: '2024-12-25T00:00:00', validity_months: 15 }, 'fn_expiring'],
    [{ closed_at: '2026-02-01T00:00:00' }, 'fn_closed'],
  ] as const)('needs attention for %o (%s)', (over, reason) => {
    const c = registerConnection(register, [drive(over)], NOW, 24 * HOUR);
    expect(c.status).toBe('needs_attention');
    expect(c.attention).toContain(reason);
  });

  it('takes the open FN heard from last as the current one', () => {
    const old = drive({ fn: '9999078900000001', closed_at: '2025-12-01T00:00:00', last_received_at: new Date(NOW.getTime() - 100 * 24 * HOUR) });
    const current = drive({ fn: '9999078900000002' });
    expect(registerConnection(register, [old, current], NOW, 24 * HOUR)).toMatchObject({ status: 'connected', currentFn: '9999078900000002' });
  });
});

describe('FN forecast', () => {
  it('ends at registration + validity, or when the reported key resource runs out, whichever is first', () => {
    expect(fnForecast(drive(), NOW)).toMatchObject({ expiresOn: '2026-09-01', keyResourceEndsOn: null });
    const f = fnForecast(drive({ key_resource_days: 10, key_resource_reported_at: '2026-03-01T00:00:00' }), NOW);
    expect(f.keyResourceEndsOn).toBe('2026-03-11');
    // Calendar days from today in Moscow (2026-03-01), as the OFD service's days left are counted.
    expect(f.daysLeft).toBe(10);
    expect(f).toMatchObject({ replaceBy: '2026-03-11', reason: 'key_resource' });
    // Validity not told by the registration report: the shortest (13 months) is assumed, and said so.
    expect(fnForecast(drive({ validity_months: null }), NOW)).toMatchObject({ expiresOn: '2026-07-01', validityBasis: 'assumed', reason: 'validity' });
    expect(fnForecast(drive({ registered_at: null }), NOW)).toMatchObject({ replaceBy: null, daysLeft: null });
  });
});
