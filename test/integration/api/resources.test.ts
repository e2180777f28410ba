// Documents, shifts, registers, outlets and fiscal drives as a customer sees them, over documents stored by the real
// persist processor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOperator, bearer, json, startApi, type ApiHarness } from './api-test-helpers.js';
import { seedTenant, type Tenant } from './tenant-fixture.js';
import { claimForFns, recordFnsOutcomes } from '../../../src/db/fns-status.repository.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { forgetRawContexts } from '../../../src/db/raw-context-cache.js';
import { loadRawContexts } from '../../../src/db/raw-contexts.js';

let h: ApiHarness;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  h = await startApi();
  a = await seedTenant(h, 1, { email: 'owner-a@example.test' });
  b = await seedTenant(h, 2, { email: 'owner-b@example.test' });
});
afterAll(() => h.close());

type Page<T> = { items: T[]; nextCursor: string | null };
type Summary = { fn: string; fd: number; form: number; formName: string; totalSum: number | null; operationType: number | null; dateTime: string };

async function list(url: string, token: string): Promise<Page<Summary>> {
  const r = await h.app.inject({ method: 'GET', url, headers: bearer(token) });
  if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return json<Page<Summary>>(r);
}
const fds = (p: Page<Summary>) => p.items.map((d) => d.fd);

describe('GET /api/v1/documents', () => {
  it("lists only the caller's documents, newest arrival first; the operator sees everyone's", async () => {
    for (const token of [a.userToken, a.apiKey]) {
      const page = await list('/api/v1/documents', token);
      expect(page.items.every((d) => d.fn === a.fn)).toBe(true);
      expect(fds(page)).toEqual([5, 4, 3, 2, 1]);
    }
    const all = await list('/api/v1/documents', 'operator-token-for-tests-0123456789');
    expect(new Set(all.items.map((d) => d.fn))).toEqual(new Set([a.fn, b.fn]));
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const seen: number[] = [];
    let url = '/api/v1/documents?limit=2';
    for (;;) {
      const page = await list(url, a.apiKey);
      seen.push(...fds(page));
      if (page.nextCursor === null) break;
      url = `/api/v1/documents?limit=2&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/documents?cursor=abc', headers: bearer(a.apiKey) });
    expect(bad.json()).toMatchObject({ code: 'BAD_CURSOR' });
  });

  it.each([
    ['form=receipt', [4, 3, 2]],
    ['form=5', [5]],
    ['operationType=2', [4]],
    ['amountMin=15000&amountMax=25000', [3]],
    ['item=milk', [3]],
    ['item=BREAD', [2]],
    ['fd=3', [3]],
    ['flkStatus=passed', [5, 4, 3, 2, 1]],
    ['flkStatus=failed', []],
    ['fnsStatus=not_sent', [5, 4, 3, 2, 1]],
    ['taxationType=1', [4, 3, 2]],
    ['hasMarking=true', []],
    ['dateFrom=2024-09-17T18:02:00&dateTo=2024-09-17T18:03:00', [4, 3]],
  ])('filters by %s', async (query, expected) => {
    expect(fds(await list(`/api/v1/documents?${query}`, a.apiKey))).toEqual(expected);
  });

  it('filters by FN, register, outlet, fiscal sign and arrival time', async () => {
    expect(fds(await list(`/api/v1/documents?fn=${a.fn}&form=receipt`, a.apiKey))).toEqual([4, 3, 2]);
    expect(fds(await list(`/api/v1/documents?registerId=${a.registerId}&fd=2`, a.apiKey))).toEqual([2]);
    expect(fds(await list(`/api/v1/documents?outletId=${a.outletId}&form=receipt`, a.apiKey))).toEqual([4, 3, 2]);
    expect(fds(await list(`/api/v1/documents?fiscalSign=${a.fiscalSign}`, a.apiKey))).toEqual([2]);
    const from = a.receivedAt[1]!.toISOString();
    const to = a.receivedAt[3]!.toISOString();
    expect(fds(await list(`/api/v1/documents?receivedFrom=${from}&receivedTo=${to}`, a.apiKey))).toEqual([3, 2]);
  });

  it('answers 400 with the field for bad filters', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/documents?form=nonsense&amountMin=-1&fn=12', headers: bearer(a.apiKey) });
    expect(r.statusCode).toBe(400);
    const paths = json<{ details: Array<{ path: string }> }>(r).details.map((d) => d.path).sort();
    expect(paths).toEqual(['query.amountMin', 'query.fn', 'query.form']);
  });
});

describe('the FNS status of a listed document', () => {
  // Tenant b's documents: 1 in flight (a send lease, no answer yet), 2 answered, 3 failed once and in flight again,
  // 4 and 5 never sent. The lease is a row of fns_leases (migration 0072), not a status; it shows as 'sending'.
  it("shows 'sending' while a lease is held, the answer once recorded, and filters on what it shows", async () => {
    const db = h.database.db;
    const owner = 'resources-test';
    try {
      expect(await claimForFns(db, [1, 2, 3].map((fd) => ({ fn: b.fn, fd })), 60_000, owner)).toEqual(new Set([1, 2, 3].map((fd) => `${b.fn}:${fd}`)));
      const at = new Date('2026-12-01T10:00:00Z');
      await recordFnsOutcomes(
        db,
        owner,
        [
          { kind: 'answered', status: 'accepted', errors: [], duplicate: false, fn: b.fn, fd: 2, receivedAt: undefined, sentAt: at },
          { kind: 'retrying', errorCode: 'FNS_UNAVAILABLE', error: 'HTTP 503', fn: b.fn, fd: 3, receivedAt: undefined, sentAt: at },
        ],
        [{ fn: b.fn, fd: 2 }, { fn: b.fn, fd: 3 }],
      );
      expect(await claimForFns(db, [{ fn: b.fn, fd: 3 }], 60_000, owner)).toEqual(new Set([`${b.fn}:3`]));

      const page = await list('/api/v1/documents', b.apiKey);
      const shown = Object.fromEntries(page.items.map((d) => [d.fd, (d as Summary & { fnsStatus: string | null }).fnsStatus]));
      expect(shown).toEqual({ 1: 'sending', 2: 'accepted', 3: 'sending', 4: null, 5: null });
      expect(fds(await list('/api/v1/documents?fnsStatus=sending', b.apiKey))).toEqual([3, 1]);
      expect(fds(await list('/api/v1/documents?fnsStatus=accepted', b.apiKey))).toEqual([2]);
      expect(fds(await list('/api/v1/documents?fnsStatus=retrying', b.apiKey))).toEqual([]);
      expect(fds(await list('/api/v1/documents?fnsStatus=not_sent', b.apiKey))).toEqual([5, 4]);

      const detail = async (fd: number) => {
        const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${b.fn}/${fd}`, headers: bearer(b.apiKey) });
        return json<{ status: { fns: { status: string; attempts: number; lastErrorCode: string | null } | null } }>(r).status.fns;
      };
      expect(await detail(1)).toMatchObject({ status: 'sending', attempts: 0, lastErrorCode: null });
      expect(await detail(2)).toMatchObject({ status: 'accepted', attempts: 1 });
      // In flight again after a failure: 'sending', with the failure it had.
      expect(await detail(3)).toMatchObject({ status: 'sending', attempts: 1, lastErrorCode: 'FNS_UNAVAILABLE' });
      expect(await detail(4)).toBeNull();

      // A lease past its end (its worker died before answering) is no send in flight: 1 shows as not sent again.
      await db.updateTable('fns_leases').set({ lease_until: new Date(Date.now() - 1000) }).where('fn', '=', b.fn).where('fd', '=', 1).execute();
      expect(fds(await list('/api/v1/documents?fnsStatus=sending', b.apiKey))).toEqual([3]);
      expect(fds(await list('/api/v1/documents?fnsStatus=not_sent', b.apiKey))).toEqual([5, 4, 1]);
      expect(await detail(1)).toBeNull();
    } finally {
      await db.deleteFrom('fns_leases').where('fn', '=', b.fn).execute();
      await db.deleteFrom('fns_status').where('fn', '=', b.fn).execute();
    }
  });
});

describe('ФПС (messageFiscalSign) in the list', () => {
  it('reads each one from the container as sent, the row no longer storing it; a row stored before keeps its own', async () => {
    const stored = await h.database.db.selectFrom('documents').select(['fd', 'message_fiscal_sign']).where('fn', '=', a.fn).execute();
    expect(stored.length).toBe(a.sent.size);
    expect(stored.every((r) => r.message_fiscal_sign === null)).toBe(true);
    // The trailer: the 8-byte sign, then 2 bytes, at the container's end.
    const trailerSign = (fd: number) => a.sent.get(fd)!.readBigUInt64BE(a.sent.get(fd)!.length - 10).toString();
    forgetRawContexts(); // as an API process that has not read this drive's context yet
    const signsOf = async (url: string) => {
      const r = await h.app.inject({ method: 'GET', url, headers: bearer(a.apiKey) });
      expect(r.statusCode).toBe(200);
      return json<Page<Summary & { messageFiscalSign: string | null }>>(r).items.map((d) => [d.fd, d.messageFiscalSign]);
    };
    expect(await signsOf('/api/v1/documents')).toEqual([5, 4, 3, 2, 1].map((fd) => [fd, trailerSign(fd)]));
    expect(await signsOf('/api/v1/documents?limit=2')).toEqual([5, 4].map((fd) => [fd, trailerSign(fd)]));

    // As stored by a release that wrote the column: shown as stored.
    await h.database.db.updateTable('documents').set({ message_fiscal_sign: '18446744073709551615' }).where('fn', '=', a.fn).where('fd', '=', 3).execute();
    try {
      expect((await signsOf('/api/v1/documents')).find(([fd]) => fd === 3)).toEqual([3, '18446744073709551615']);
    } finally {
      await h.database.db.updateTable('documents').set({ message_fiscal_sign: null }).where('fn', '=', a.fn).where('fd', '=', 3).execute();
    }

    // A container that does not unpack (damaged bytes) leaves that row's ФПС null; the page is still served.
    const original = await h.database.db.selectFrom('documents').select(['raw_container', 'raw_codec']).where('fn', '=', a.fn).where('fd', '=', 4).executeTakeFirstOrThrow();
    await h.database.db.updateTable('documents').set({ raw_container: Buffer.from([0xff, 0xff, 0xff]), raw_codec: 1 }).where('fn', '=', a.fn).where('fd', '=', 4).execute();
    try {
      expect(await signsOf('/api/v1/documents')).toEqual([5, 4, 3, 2, 1].map((fd) => [fd, fd === 4 ? null : trailerSign(fd)]));
    } finally {
      await h.database.db.updateTable('documents').set({ raw_container: original.raw_container as unknown as Buffer, raw_codec: original.raw_codec }).where('fn', '=', a.fn).where('fd', '=', 4).execute();
    }
  });
});

describe('GET /api/v1/documents/{fn}/{fd}', () => {
  it('returns { document: { receipt: FNS JSON }, status: lifecycle } with the raw bytes, per the contract', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${a.fn}/2`, headers: bearer(a.apiKey) });
    expect(r.statusCode).toBe(200);
    const body = json<{
      document: { receipt: Record<string, unknown> };
      status: { sign: string; flk: { status: string }; ackCode: number | null; fns: unknown; timeline: Array<{ kind: string }> };
      raw: { container: string; rawData: string };
    }>(r);
    expect(Object.keys(body.document)).toEqual(['receipt']);
    expect(body.document.receipt).toMatchObject({
      fiscalDriveNumber: a.fn,
      fiscalDocumentNumber: 2,
      userInn: expect.stringContaining(a.inn),
      totalSum: 10000,
      items: [expect.objectContaining({ name: 'Bread white', price: 10000 })],
      fiscalSign: a.fiscalSign,
    });
    // Seeded straight into PostgreSQL: no ack was written to a register, so none is shown (issue 13 item 4).
    expect(body.status).toMatchObject({ sign: 'verified', flk: { status: 'passed', codes: [] }, ackCode: null, ackedAt: null, fns: null });
    expect(body.status.timeline.map((e) => e.kind)).toEqual(['received', 'persisted']);
    const stored = await h.database.db.selectFrom('documents').select(['raw_container', 'raw_codec']).where('fn', '=', a.fn).where('fd', '=', 2).executeTakeFirstOrThrow();
    await loadRawContexts(h.database.db, [stored]);
    const raw = unpackRawContainer(stored.raw_container, stored.raw_codec);
    expect(Buffer.from(body.raw.container, 'base64').equals(raw)).toBe(true);
    expect(body.raw.rawData).toBe(raw.subarray(32).toString('base64'));
    expect(body.document.receipt['rawData']).toBe(body.raw.rawData);
  });

  it('gives every stored document back byte for byte as the register sent it, though it is stored packed', async () => {
    // As an API process that never stored a document of this drive: its context is read from raw_contexts.
    forgetRawContexts();
    const context = await h.database.db.selectFrom('raw_contexts').select('fd').where('fn', '=', a.fn).executeTakeFirstOrThrow();
    const rows = await h.database.db.selectFrom('documents').select(['fd', 'raw_container', 'raw_codec']).where('fn', '=', a.fn).orderBy('fd').execute();
    expect(rows.map((r) => r.fd)).toEqual([...a.sent.keys()].sort((x, y) => x - y));
    for (const row of rows) {
      const sent = a.sent.get(row.fd)!;
      // Stored packed (migration 0063; with its drive's first receipt as context since 0081, except that receipt
      // itself), and smaller: the row does not hold the bytes as sent.
      expect(row.raw_codec).toBe(row.fd === context.fd ? 1 : 2);
      const packed = row.raw_container as unknown as Buffer;
      expect(packed.length).toBeLessThan(sent.length);
      const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${a.fn}/${row.fd}`, headers: bearer(a.apiKey) });
      expect(r.statusCode).toBe(200);
      const body = json<{ raw: { container: string; rawData: string } }>(r);
      expect(Buffer.from(body.raw.container, 'base64').equals(sent)).toBe(true);
      expect(Buffer.from(body.raw.rawData, 'base64').equals(sent.subarray(32))).toBe(true);
    }
  });

  it('answers 404 for an unknown document and 400 for a malformed FN', async () => {
    const missing = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${a.fn}/999`, headers: bearer(a.apiKey) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/documents/123/1', headers: bearer(a.apiKey) });
    expect(bad.statusCode).toBe(400);
  });
});

describe('printable receipt and the public buyer check', () => {
  it('renders the receipt as HTML with its FNS QR string, which the public check accepts without credentials', async () => {
    const page = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${a.fn}/3/print`, headers: bearer(a.userToken) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('Milk 3.2%');
    const qr = /data-qr="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    expect(qr).toBe(`t=20240917T1802&s=200.00&fn=${a.fn}&i=3&fp=${(await fiscalSign(a.fn, 3))}&n=1`);

    const check = await h.app.inject({ method: 'GET', url: `/api/v1/public/check?${qr}` });
    expect(check.statusCode).toBe(200);
    expect(check.json()).toMatchObject({ document: { receipt: { fiscalDocumentNumber: 3, totalSum: 20000 } } });
    for (const wrong of [qr!.replace(/fp=\d+/, 'fp=1'), qr!.replace('s=200.00', 's=200.01'), qr!.replace('T1802', 'T1803'), qr!.replace('n=1', 'n=2')]) {
      const r = await h.app.inject({ method: 'GET', url: `/api/v1/public/check?${wrong}` });
      expect(r.statusCode).toBe(404);
    }
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/public/check?t=x&s=1&fn=1&i=1&fp=1' });
    expect(bad.statusCode).toBe(400);
  });
});

async function fiscalSign(fn: string, fd: number): Promise<number> {
  const row = await h.database.db.selectFrom('documents').select('fiscal_sign').where('fn', '=', fn).where('fd', '=', fd).executeTakeFirstOrThrow();
  return row.fiscal_sign!;
}

describe('global search', () => {
  type Hits = { items: Array<{ type: string; matched: string; href: string }> };
  const search = async (q: string, token = a.apiKey) =>
    json<Hits>(await h.app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(q)}`, headers: bearer(token) })).items;

  it('finds by INN, registration number, FN, fiscal sign, FD, amount and item name', async () => {
    expect(await search(a.inn)).toContainEqual(expect.objectContaining({ type: 'organization', href: `/api/v1/organizations/${a.organizationId}` }));
    expect(await search(a.regId)).toContainEqual(expect.objectContaining({ type: 'register', href: `/api/v1/registers/${a.registerId}` }));
    expect(await search(a.fn)).toContainEqual(expect.objectContaining({ type: 'fiscalDrive', href: `/api/v1/fiscal-drives/${a.fn}` }));
    expect(await search(String(a.fiscalSign))).toContainEqual(expect.objectContaining({ matched: 'fiscalSign', href: `/api/v1/documents/${a.fn}/2` }));
    expect((await search('4')).map((x) => x.href)).toContain(`/api/v1/documents/${a.fn}/4`);
    expect(await search('300,00')).toEqual([expect.objectContaining({ matched: 'amount', href: `/api/v1/documents/${a.fn}/4` })]);
    expect(await search('chees')).toEqual([expect.objectContaining({ matched: 'item', href: `/api/v1/documents/${a.fn}/4` })]);
    expect(await search('nothing like this')).toEqual([]);
  });
});

describe('shifts', () => {
  it('lists the shift with the closing report and received totals, and serves its Z-report', async () => {
    const page = json<Page<Record<string, unknown>>>(await h.app.inject({ method: 'GET', url: '/api/v1/shifts', headers: bearer(a.userToken) }));
    expect(page.items).toEqual([
      expect.objectContaining({
        fn: a.fn,
        shiftNumber: 7,
        closed: true,
        openFd: 1,
        closeFd: 5,
        registerId: a.registerId,
        organizationId: a.organizationId,
        report: { receiptsQuantity: 3, documentsQuantity: 5, notTransmittedCount: 0 },
        received: { receipts: 3, sellTotalSum: 30000, sellReturnTotalSum: 30000, buyTotalSum: 0, buyReturnTotalSum: 0 },
      }),
    ]);
    expect(json<Page<unknown>>(await h.app.inject({ method: 'GET', url: '/api/v1/shifts?closed=false', headers: bearer(a.userToken) })).items).toEqual([]);

    const one = await h.app.inject({ method: 'GET', url: `/api/v1/shifts/${a.fn}/7`, headers: bearer(a.apiKey) });
    expect(one.json()).toMatchObject({ shiftNumber: 7, closed: true });
    const z = await h.app.inject({ method: 'GET', url: `/api/v1/shifts/${a.fn}/7/z-report`, headers: bearer(a.apiKey) });
    expect(z.statusCode).toBe(200);
    expect(z.json()).toMatchObject({ closeFd: 5, receiptsQuantity: 3, missingReceipts: 0, document: { closeShift: expect.objectContaining({ shiftNumber: 7 }) } });
  });
});

describe('registers, outlets, fiscal drives', () => {
  it('show the register learned from documents, connected, with its FN', async () => {
    const page = json<Page<Record<string, unknown>>>(await h.app.inject({ method: 'GET', url: '/api/v1/registers', headers: bearer(a.apiKey) }));
    expect(page.items).toEqual([
      expect.objectContaining({
        id: a.registerId,
        registrationNumber: a.regId,
        organizationId: a.organizationId,
        outletId: a.outletId,
        connection: expect.objectContaining({ status: 'connected', attention: [], currentFn: a.fn }),
      }),
    ]);
    const one = json<{ fiscalDrives: Array<{ fn: string; firstFd: number; lastFd: number; missing: { documents: number } }> }>(
      await h.app.inject({ method: 'GET', url: `/api/v1/registers/${a.registerId}`, headers: bearer(a.apiKey) }),
    );
    expect(one.fiscalDrives).toEqual([expect.objectContaining({ fn: a.fn, firstFd: 1, lastFd: 5, missing: { ranges: 0, documents: 0 } })]);
    const drives = json<Page<{ fn: string }>>(await h.app.inject({ method: 'GET', url: '/api/v1/fiscal-drives', headers: bearer(a.apiKey) }));
    expect(drives.items.map((d) => d.fn)).toEqual([a.fn]);
    const drive = await h.app.inject({ method: 'GET', url: `/api/v1/fiscal-drives/${a.fn}`, headers: bearer(a.apiKey) });
    expect(drive.json()).toMatchObject({ fn: a.fn, registerId: a.registerId, gaps: [] });
  });

  it('a register silent for longer than the threshold is "silent"', async () => {
    const quiet = await startApi({ registerSilentAfterMs: 1 });
    try {
      const t = await seedTenant(quiet, 3, { email: 'owner-c@example.test' });
      const r = await quiet.app.inject({ method: 'GET', url: `/api/v1/registers/${t.registerId}`, headers: bearer(t.apiKey) });
      expect(r.json()).toMatchObject({ connection: { status: 'silent' } });
    } finally {
      await quiet.close();
    }
  });

  it('add outlets and registers by hand, move a register between outlets, refuse duplicates', async () => {
    const outlet = await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: bearer(a.userToken), payload: { organizationId: a.organizationId, address: 'Kazan, Baumana 1', place: 'Kiosk' } });
    expect(outlet.statusCode).toBe(201);
    const outletId = json<{ id: number }>(outlet).id;
    const dup = await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: bearer(a.userToken), payload: { organizationId: a.organizationId, address: 'Kazan, Baumana 1', place: 'Kiosk' } });
    expect(dup.json()).toMatchObject({ code: 'OUTLET_EXISTS' });

    const reg = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: bearer(a.userToken), payload: { organizationId: a.organizationId, registrationNumber: '0000000099000001', outletId } });
    expect(reg.statusCode).toBe(201);
    expect(reg.json()).toMatchObject({ outletId, connection: { status: 'silent' }, fiscalDrives: [] });
    const taken = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: bearer(a.userToken), payload: { organizationId: a.organizationId, registrationNumber: b.regId } });
    expect(taken.statusCode).toBe(409);

    const moved = await h.app.inject({ method: 'PATCH', url: `/api/v1/registers/${a.registerId}`, headers: bearer(a.apiKey), payload: { outletId } });
    expect(moved.json()).toMatchObject({ outletId });
    const back = await h.app.inject({ method: 'PATCH', url: `/api/v1/registers/${a.registerId}`, headers: bearer(a.apiKey), payload: { outletId: a.outletId } });
    expect(back.json()).toMatchObject({ outletId: a.outletId });

    const outlets = json<Page<{ id: number }>>(await h.app.inject({ method: 'GET', url: '/api/v1/outlets', headers: bearer(a.userToken) }));
    expect(outlets.items.map((o) => o.id).sort()).toEqual([a.outletId, outletId].sort());
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/outlets/${outletId}`, headers: asOperator })).statusCode).toBe(200);
  });
});
