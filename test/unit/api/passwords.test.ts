import { describe, expect, it } from 'vitest';
import { hashPassword, newPasswordSchema, passwordProblems, verifyPassword } from '../../../src/api/auth/passwords.js';

describe('password rules (6–20 characters, both letter cases, digits and symbols)', () => {
  it.each(['Aa1!aa', 'Secret-pass1', 'X9#yyyyyyyyyyyyyyyyy'])('accept %s', (p) => {
    expect(passwordProblems(p)).toEqual([]);
    expect(newPasswordSchema.safeParse(p).success).toBe(true);
  });

  it.each([
    ['Aa1!a', /6–20/],
    ['Aa1!aaaaaaaaaaaaaaaaa', /6–20/],
    ['aa1!aaaa', /upper-case/],
    ['AA1!AAAA', /lower-case/],
    ['Aab!aaaa', /digit/],
    ['Aab1aaaa', /symbol/],
    ['Aa1! aaaa', /no spaces/],
    ['Пароль1!Aa', /only Latin/],
  ])('refuse %s', (p, message) => {
    expect(passwordProblems(p).join('; ')).toMatch(message);
    expect(newPasswordSchema.safeParse(p).success).toBe(false);
  });

  it('lists every broken rule at once', () => {
    expect(passwordProblems('abc')).toHaveLength(4);
  });
});

describe('password hashing', () => {
  it('is argon2id and verifies only the right password', async () => {
    const phc = await hashPassword('Secret-pass1');
    expect(phc).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(phc, 'Secret-pass1')).toBe(true);
    expect(await verifyPassword(phc, 'Secret-pass2')).toBe(false);
    expect(await verifyPassword('not a hash', 'Secret-pass1')).toBe(false);
  });
});
