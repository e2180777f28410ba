// Two customers with real stored documents: for each, an organization (INN), an owner, an API key, a register, an FN
// with a shift (open, three receipts, close) stored by the real persist processor.
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, apiKey, asOperator, closeShift, createOrganization, job, openShift, persist, receipt, userToken, type ApiHarness } from './api-test-helpers.js';
import { LOCAL_TIME } from '../../support/kkt.js';

export interface Tenant {
  inn: string;
  organizationId: number;
  fn: string;
  regId: string;
  registerId: number;
  outletId: number;
  shiftNumber: number;
  /** FDs: 1 openShift, 2–4 receipts, 5 closeShift. */
  receiptFds: number[];
  closeFd: number;
  fiscalSign: number;
  userToken: string;
  userId: number;
  apiKey: string;
  apiKeyId: number;
  receivedAt: Date[];
  /** The containers as the register sent them, by FD. */
  sent: Map<number, Buffer>;
}

export async function seedTenant(h: ApiHarness, n: number, opts: { email: string }): Promise<Tenant> {
  const inn = withInnCheckDigits(`77020000${n}`);
  const fn = `99990789000${String(n).padStart(5, '0')}`;
  const regId = `00000000${String(n).padStart(8, '0')}`;
  const organizationId = await createOrganization(h, inn, `ООО Клиент ${n}`);
  const shift = { fn, inn, regId, shift: 7, receipts: 3 };
  const base = Date.now() - 60_000;
  const at = (i: number) => new Date(base + i * 1000);
  const items = ['Bread white', 'Milk 3.2%', 'Cheese'];
  const jobs = [
    job(fn, 1, 2, openShift({ ...shift, fd: 1 }), at(1)),
    ...[2, 3, 4].map((fd, i) =>
      job(
        fn,
        fd,
        3,
        receipt({ fn, fd, inn, regId, shift: 7, itemName: items[i]!, price: 10000 * (i + 1), operationType: i === 2 ? 2 : 1, time: LOCAL_TIME + i * 60 }),
        at(fd),
      ),
    ),
    job(fn, 5, 5, closeShift({ ...shift, fd: 5 }), at(5)),
  ];
  await persist(h.database, jobs);

  const register = await h.database.db.selectFrom('registers').select('id').where('registration_number', '=', regId).executeTakeFirstOrThrow();
  // The outlet comes from the receipts (1009 / 1187); the register row itself keeps none until a registration report.
  const doc = await h.database.db.selectFrom('documents').select(['fiscal_sign', 'outlet_id']).where('fn', '=', fn).where('fd', '=', 2).executeTakeFirstOrThrow();
  // Put the register in that outlet, as a customer would in the cabinet.
  const moved = await h.app.inject({ method: 'PATCH', url: `/api/v1/registers/${register.id}`, headers: asOperator, payload: { outletId: doc.outlet_id } });
  if (moved.statusCode !== 200) throw new Error(`register outlet ${moved.statusCode}: ${moved.body}`);
  const user = await userToken(h, opts.email);
  await addMember(h, organizationId, opts.email, 'owner');
  const key = await apiKey(h, organizationId, ['organization:read', 'registry:read', 'registry:write', 'documents:read', 'shifts:read']);
  return {
    inn,
    organizationId,
    fn,
    regId,
    registerId: register.id,
    outletId: doc.outlet_id!,
    shiftNumber: 7,
    receiptFds: [2, 3, 4],
    closeFd: 5,
    fiscalSign: doc.fiscal_sign!,
    sent: new Map(jobs.map((j) => [j.fd, Buffer.from(j.container, 'base64')])),
    userToken: user.token,
    userId: user.userId,
    apiKey: key.key,
    apiKeyId: key.id,
    receivedAt: [1, 2, 3, 4, 5].map(at),
  };
}
