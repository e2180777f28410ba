// A register's «Уведомления»: its own, its drives', and its KKT registration applications' (by РНМ).
import { describe, expect, it } from 'vitest';
import { isAboutRegister } from './register-notifications';

const reg = { id: 5, fns: ['9999078900011001'], registrationNumber: '0000000000011001' };

describe('isAboutRegister', () => {
  it('takes the register’s, its FNs’ and their documents’ notifications, not another register’s', () => {
    expect(isAboutRegister({ kind: 'ofd.expiring', subject: 'register:5', data: {} }, reg)).toBe(true);
    expect(isAboutRegister({ kind: 'register.silent', subject: 'register:55', data: {} }, reg)).toBe(false);
    expect(isAboutRegister({ kind: 'fn.expiring', subject: 'fn:9999078900011001', data: {} }, reg)).toBe(true);
    expect(isAboutRegister({ kind: 'flk.failed', subject: 'document:9999078900011001:7', data: {} }, reg)).toBe(true);
    expect(isAboutRegister({ kind: 'flk.failed', subject: 'document:9999078900011002:7', data: {} }, reg)).toBe(false);
  });

  it('takes a KKT registration application’s status once it names the register’s РНМ', () => {
    expect(isAboutRegister({ kind: 'kkt.application', subject: 'application:3', data: { kktRegId: '0000000000011001', status: 'registered' } }, reg)).toBe(true);
    expect(isAboutRegister({ kind: 'kkt.application', subject: 'application:4', data: { kktRegId: '0000000000099999' } }, reg)).toBe(false);
    expect(isAboutRegister({ kind: 'kkt.application', subject: 'application:6', data: { kktRegId: null } }, reg)).toBe(false);
    expect(isAboutRegister({ kind: 'kkt.application', subject: 'application:3', data: { kktRegId: '0000000000011001' } }, { id: 5, fns: [] })).toBe(false);
  });
});
