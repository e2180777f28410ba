import { describe, expect, it } from 'vitest';
import { registerLifecycle, type LifecycleFacts } from '../../../src/domain/register-lifecycle.js';

const base: LifecycleFacts = {
  stage: 'added',
  matched: true,
  registrationStatus: 'active',
  preparedFn: '9999078900001111',
  currentFn: '9999078900001111',
  currentFnClosed: false,
  silent: false,
};

describe('register lifecycle', () => {
  it('stays at the customer’s stage until the registration report is matched', () => {
    expect(registerLifecycle({ ...base, matched: false })).toBe('added');
    expect(registerLifecycle({ ...base, matched: false, stage: 'awaiting_registration', registrationStatus: null })).toBe('awaiting_registration');
  });
  it('is connected when documents flow through the registered FN', () => {
    expect(registerLifecycle(base)).toBe('connected');
  });
  it('is silent when nothing arrived for a while', () => {
    expect(registerLifecycle({ ...base, silent: true })).toBe('silent');
  });
  it('tells a replaced FN, a closed FN and deregistration apart, deregistration first', () => {
    expect(registerLifecycle({ ...base, currentFn: '9999078900002222' })).toBe('fn_replaced');
    expect(registerLifecycle({ ...base, currentFnClosed: true })).toBe('fn_closed');
    expect(registerLifecycle({ ...base, registrationStatus: 'fn_closed' })).toBe('fn_closed');
    expect(registerLifecycle({ ...base, registrationStatus: 'deregistered', currentFnClosed: true, silent: true })).toBe('deregistered');
  });
});
