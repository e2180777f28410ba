import { describe, expect, it } from 'vitest';
import { passwordOk, PASSWORD_RULES } from './password-rules';

describe('password rules shown live', () => {
  it('agree with the API’s rules (src/api/auth/passwords.ts) on the examples the API tests use', () => {
    expect(passwordOk('Secret-pass1')).toBe(true);
    expect(passwordOk('Kassa-2026!')).toBe(true);
    const broken = (p: string) => PASSWORD_RULES.filter((r) => !r.test(p)).map((r) => r.label);
    expect(broken('abc')).toEqual(['от 6 до 20 символов', 'заглавная латинская буква', 'цифра', 'символ, например ! # % * _ -']);
    expect(broken('Пароль-123a')).toContain('только латинские буквы, цифры и символы, без пробелов');
    expect(broken('Has space1!')).toEqual(['только латинские буквы, цифры и символы, без пробелов']);
    expect(broken('A1!aaaaaaaaaaaaaaaaaa')).toEqual(['от 6 до 20 символов']);
  });
});

describe('the live rules and the API', () => {
  it('accept and refuse the same passwords', async () => {
    // The server's own check, imported only here: the cabinet's bundle never includes server code.
    const { passwordProblems } = await import('../../../../api/auth/passwords');
    const samples = ['', 'a', 'abcdef', 'ABCdef1', 'Abcde1!', 'Abc 1!x', 'Пароль1!Aa', 'A'.repeat(19) + 'a1!', 'x'.repeat(5) + 'A1!', 'Z9~zzzz', 'aA1\u00a0!bc'];
    for (const p of samples) expect(passwordOk(p), JSON.stringify(p)).toBe(passwordProblems(p).length === 0);
  });
});
