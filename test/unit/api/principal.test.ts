import { describe, expect, it } from 'vitest';
import { authorizeOrganization, visibleOrganizations, type Principal } from '../../../src/api/auth/principal.js';
import { isApiError } from '../../../src/api/errors.js';

const codeOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isApiError(e) ? e.code : 'other';
  }
};

const viewer: Principal = { kind: 'user', userId: 1, email: 'v@x.test', memberships: new Map([[10, 'viewer']]) };
const owner: Principal = { kind: 'user', userId: 2, email: 'o@x.test', memberships: new Map([[10, 'owner'], [11, 'admin']]) };
const key: Principal = { kind: 'apiKey', keyId: 5, organizationId: 10, scopes: new Set(['documents:read']) };

describe('authorization', () => {
  it('answers NOT_FOUND for organizations the caller has no access to, FORBIDDEN for a missing permission', () => {
    expect(codeOf(() => authorizeOrganization(viewer, 10, 'documents:read', 'x'))).toBeUndefined();
    expect(codeOf(() => authorizeOrganization(viewer, 10, 'registry:write', 'x'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeOrganization(viewer, 11, 'documents:read', 'x'))).toBe('NOT_FOUND');
    expect(codeOf(() => authorizeOrganization(viewer, null, 'documents:read', 'x'))).toBe('NOT_FOUND');
    expect(codeOf(() => authorizeOrganization(key, 10, 'documents:read', 'x'))).toBeUndefined();
    expect(codeOf(() => authorizeOrganization(key, 10, 'shifts:read', 'x'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeOrganization(key, 11, 'documents:read', 'x'))).toBe('NOT_FOUND');
    expect(codeOf(() => authorizeOrganization({ kind: 'operator' }, null, 'members:manage', 'x'))).toBeUndefined();
  });

  it('lists the organizations where the caller has the permission', () => {
    expect(visibleOrganizations(owner, 'members:manage')).toEqual([10, 11]);
    expect(visibleOrganizations(viewer, 'members:manage')).toEqual([]);
    expect(visibleOrganizations(key, 'documents:read')).toEqual([10]);
    expect(codeOf(() => visibleOrganizations(key, 'shifts:read'))).toBe('FORBIDDEN');
    expect(visibleOrganizations({ kind: 'operator' }, 'shifts:read')).toBe('all');
  });
});
