/**
 * The password rules of the API (src/api/auth/passwords.ts), shown live while the user types. The API checks them
 * again; this list only has to agree with it, and the sign-up e2e journey proves it does.
 */
export interface PasswordRule {
  label: string;
  test: (password: string) => boolean;
}

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { label: 'от 6 до 20 символов', test: (p) => p.length >= 6 && p.length <= 20 },
  { label: 'только латинские буквы, цифры и символы, без пробелов', test: (p) => p.length > 0 && !/[^\x21-\x7e]/.test(p) },
  { label: 'строчная латинская буква', test: (p) => /[a-z]/.test(p) },
  { label: 'заглавная латинская буква', test: (p) => /[A-Z]/.test(p) },
  { label: 'цифра', test: (p) => /[0-9]/.test(p) },
  { label: 'символ, например ! # % * _ -', test: (p) => /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(p) },
];

export function passwordOk(p: string): boolean {
  return PASSWORD_RULES.every((r) => r.test(p));
}
