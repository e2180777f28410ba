// Global search finds team members (issue 14): by a part of the name or e-mail, by the phone in any usual spelling —
// only in organizations whose team the caller may manage (owners, admins, the operator), never another organization's
// people, never for a viewer or an API key.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, apiKey, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

interface Hit {
  type: string;
  matched: string;
  title: string;
  href: string;
}

let h: ApiHarness;
let orgA: number;
let orgB: number;
const tokens: Record<string, string> = {};

async function person(email: string, org: number, role: string, fullName?: string, phone?: string): Promise<void> {
  const { token, userId } = await userToken(h, email);
  tokens[email] = token;
  await addMember(h, org, email, role);
  if (fullName !== undefined || phone !== undefined) {
    await sql`insert into user_profiles (user_id, full_name, phone) values (${userId}, ${fullName ?? null}, ${phone ?? null})
              on conflict (user_id) do update set full_name = excluded.full_name, phone = excluded.phone`.execute(h.database.db);
  }
}

async function users(headers: Record<string, string>, q: string): Promise<Hit[]> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(q)}`, headers });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<{ items: Hit[] }>().items.filter((i) => i.type === 'user');
}

beforeAll(async () => {
  h = await startApi();
  orgA = await createOrganization(h, withInnCheckDigits('770300996'), 'ООО Альфа');
  orgB = await createOrganization(h, withInnCheckDigits('770300997'), 'ООО Бета');
  await person('owner@alfa.test', orgA, 'owner');
  await person('ivanova.buh@alfa.test', orgA, 'accountant', 'Иванова Мария', '+79161234567');
  await person('viewer@alfa.test', orgA, 'viewer');
  await person('owner@beta.test', orgB, 'owner');
  await person('ivanov.sklad@beta.test', orgB, 'admin', 'Иванов Пётр', '89161234568');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('team members in the global search', () => {
  it('an owner finds its own members by part of the name, with role and organization, linking to the team page', async () => {
    const hits = await users(bearer(tokens['owner@alfa.test']!), 'иванов');
    expect(hits).toEqual([
      {
        type: 'user',
        matched: 'name',
        title: 'Сотрудник: Иванова Мария <ivanova.buh@alfa.test>, бухгалтер (ООО Альфа)',
        href: `/api/v1/organizations/${orgA}/members`,
      },
    ]);
  });

  it('by e-mail (whole or part) and by phone however it is typed', async () => {
    const owner = bearer(tokens['owner@alfa.test']!);
    expect((await users(owner, 'ivanova.buh@alfa.test')).map((u) => [u.matched, u.href])).toEqual([['email', `/api/v1/organizations/${orgA}/members`]]);
    expect((await users(owner, 'ivanov')).map((u) => u.title)).toEqual(['Сотрудник: Иванова Мария <ivanova.buh@alfa.test>, бухгалтер (ООО Альфа)']);
    for (const phone of ['+7 916 123-45-67', '8 (916) 123-45-67', '79161234567']) {
      expect((await users(owner, phone)).map((u) => u.matched), phone).toEqual(['phone']);
    }
    // Stored as 8…: found as +7… too.
    expect((await users(bearer(tokens['owner@beta.test']!), '+79161234568')).map((u) => u.title)).toEqual([
      'Сотрудник: Иванов Пётр <ivanov.sklad@beta.test>, администратор (ООО Бета)',
    ]);
  });

  it('never another organization’s people', async () => {
    expect((await users(bearer(tokens['owner@beta.test']!), 'иванов')).map((u) => u.href)).toEqual([`/api/v1/organizations/${orgB}/members`]);
    expect(await users(bearer(tokens['owner@alfa.test']!), 'ivanov.sklad@beta.test')).toEqual([]);
    expect(await users(bearer(tokens['owner@alfa.test']!), '89161234568')).toEqual([]);
  });

  it('nobody for those who may not list the team: a viewer, an API key', async () => {
    expect(await users(bearer(tokens['viewer@alfa.test']!), 'иванов')).toEqual([]);
    expect(await users(bearer(tokens['ivanova.buh@alfa.test']!), 'owner')).toEqual([]);
    const key = await apiKey(h, orgA, ['documents:read']);
    expect(await users(bearer(key.key), 'иванов')).toEqual([]);
  });

  it('the operator finds members of every organization', async () => {
    expect((await users(asOperator, 'иванов')).map((u) => u.href).sort()).toEqual(
      [`/api/v1/organizations/${orgA}/members`, `/api/v1/organizations/${orgB}/members`].sort(),
    );
  });
});
