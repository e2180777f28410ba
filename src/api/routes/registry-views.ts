// Outlets, registers and fiscal drives as the API shows them: response schemas, row -> JSON, and the loaders that authorize.
import { z } from 'zod';
import { documentOwnersOfRegisters, drivesOfRegisters, findOutlet, findRegister, type FiscalDriveState } from '../../db/api-registry.repository.js';
import { ofdServicesOf } from '../../db/ofd-services.repository.js';
import type { Outlet, Register } from '../../db/tables/registry.js';
import { type Principal } from '../auth/principal.js';
import { authorizePlace } from '../auth/access-scope.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { ATTENTION_REASONS, CONNECTION_STATUSES, currentDrive, fnAttention, fnForecast, registerConnection } from '../../domain/registry-status.js';
import { FN_END_REASONS } from '../../domain/fn-end-date.js';
import { ofdServiceJson, ofdServiceOut } from '../register-service-view.js';
import { dateOut, iso } from '../schemas.js';

export const outletOut = z.object({ id: z.number().int(), organizationId: z.number().int(), address: z.string(), place: z.string(), createdAt: dateOut });
export const outletJson = (o: Outlet): z.infer<typeof outletOut> => ({
  id: o.id,
  organizationId: o.organization_id,
  address: o.address,
  place: o.place,
  createdAt: iso(o.created_at),
});

/** The FN's end date and its reason: src/domain/fn-end-date.ts, the same the fn-schedule report and fn.expiring name. */
export const forecastOut = z
  .object({
    expiresOn: z.string().nullable().meta({ description: 'registration + validityMonths' }),
    keyResourceEndsOn: z.string().nullable().meta({ description: 'the key resource (1213) the FN last reported runs out' }),
    fullOn: z.string().nullable().meta({ description: 'the archive fills at its rate so far' }),
    validityMonths: z.number().int(),
    validityBasis: z.enum(['registration', 'assumed']).meta({ description: 'registration: from the registration report (1213); assumed: the shortest, 13' }),
    replaceBy: z.string().nullable().meta({ description: 'the earliest of the dates (today when the FN signals replacement)' }),
    reason: z.enum(FN_END_REASONS).nullable(),
    reasonText: z.string().nullable(),
    daysLeft: z.number().int().nullable().meta({ description: 'days from today (Moscow) to replaceBy' }),
  })
  .meta({ description: 'When to replace the FN, and why' });

export const fiscalDriveOut = z.object({
  fn: z.string(),
  registerId: z.number().int().nullable(),
  ffdVersion: z.number().int().nullable().meta({ description: '1190 documentFdVersion' }),
  registeredAt: z.string().nullable(),
  registrationFd: z.number().int().nullable(),
  firstFd: z.number().int().nullable(),
  lastFd: z.number().int().nullable(),
  lastReceivedAt: dateOut.nullable(),
  closedAt: z.string().nullable(),
  closedFd: z.number().int().nullable(),
  signs: z.object({ replaceRequired: z.boolean().nullable(), exhausted: z.boolean().nullable(), memoryExceeded: z.boolean().nullable() }),
  notTransmitted: z.object({ count: z.number().int().nullable(), since: z.string().nullable() }),
  missing: z.object({ ranges: z.number().int(), documents: z.number().int() }).meta({ description: 'FD numbers not received (gaps)' }),
  forecast: forecastOut,
  attention: z.array(z.enum(ATTENTION_REASONS)),
});

export function fiscalDriveJson(d: FiscalDriveState, now: Date): z.infer<typeof fiscalDriveOut> {
  return {
    fn: d.fn,
    registerId: d.effective_register_id,
    ffdVersion: d.ffd_version,
    registeredAt: d.registered_at,
    registrationFd: d.registration_fd,
    firstFd: d.first_fd,
    lastFd: d.last_fd,
    lastReceivedAt: iso(d.last_received_at),
    closedAt: d.closed_at,
    closedFd: d.closed_fd,
    signs: { replaceRequired: d.replace_required_sign, exhausted: d.exhaustion_sign, memoryExceeded: d.memory_exceeded_sign },
    notTransmitted: { count: d.not_transmitted_count, since: d.not_transmitted_since },
    missing: { ranges: d.gap_count, documents: d.missing_fds },
    forecast: fnForecast(d, now),
    attention: fnAttention(d, now),
  };
}

export const registerOut = z.object({
  id: z.number().int(),
  registrationNumber: z.string().meta({ description: '1037 kktRegId' }),
  serialNumber: z.string().nullable(),
  organizationId: z.number().int().nullable(),
  outletId: z.number().int().nullable(),
  ffdVersion: z.number().int().nullable(),
  kktVersion: z.string().nullable(),
  registrationStatus: z.enum(['unknown', 'active', 'fn_closed', 'deregistered']),
  registeredAt: z.string().nullable(),
  connection: z.object({
    status: z.enum(CONNECTION_STATUSES),
    attention: z.array(z.enum(ATTENTION_REASONS)),
    lastReceivedAt: dateOut.nullable(),
    currentFn: z.string().nullable(),
  }),
  fnReplacement: forecastOut.nullable().meta({ description: 'When to replace the FN in use (null: none known or it is closed)' }),
  ofdService: ofdServiceOut,
  claim: z.enum(['confirmed', 'unconfirmed', 'conflict']).meta({
    description:
      "confirmed: the register's documents carry its organization's INN; unconfirmed: none arrived yet; conflict: they carry " +
      "another organization's INN — its shifts, fiscal drives and reports are not shown to the claimant, the operator settles it",
  }),
  createdAt: dateOut,
});

export const conflictOut = z.object({
  registerId: z.number().int(),
  registrationNumber: z.string(),
  claimedOrganizationId: z.number().int(),
  documentOrganizationId: z.number().int(),
  documentInn: z.string(),
});

/** A contract's calendar date; the years are bounded so PostgreSQL's `date` never refuses what passed here. */
export const serviceDaySchema = z
  .string()
  .regex(/^2[01]\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD, years 2000–2199')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

export const registerDetailOut = registerOut.extend({ fiscalDrives: z.array(fiscalDriveOut).meta({ description: 'FN history, newest first' }) });

export function registryLocals(ctx: ApiContext) {
  const documentOwnersOf = (ids: readonly number[]): Promise<Map<number, number>> => documentOwnersOfRegisters(ctx.db, ids);
  const registersJson = async (p: Principal, registers: Register[], withDrives: boolean) => {
    const ids = registers.map((r) => r.id);
    const owners = await documentOwnersOf(ids);
    // Document-derived state (FNs, connection) only for the organization whose INN the documents carry (item 5).
    const shown = registers.filter((r) => p.kind === 'operator' || (r.organization_id !== null && owners.get(r.id) === r.organization_id));
    const drives = await drivesOfRegisters(ctx.db, shown.map((r) => r.id));
    const services = await ofdServicesOf(ctx.db, ids);
    const now = new Date();
    return registers.map((r) => {
      const owner = owners.get(r.id);
      const claim = owner === undefined ? 'unconfirmed' : owner === r.organization_id ? 'confirmed' : 'conflict';
      const mine = drives.filter((d) => d.effective_register_id === r.id || d.register_id === r.id);
      const c = registerConnection(r, mine, now, ctx.registerSilentAfterMs);
      const current = currentDrive(mine);
      const serviceUntil = services.get(r.id) ?? null;
      const base: z.infer<typeof registerOut> = {
        id: r.id,
        registrationNumber: r.registration_number,
        serialNumber: r.serial_number,
        organizationId: r.organization_id,
        outletId: r.outlet_id,
        ffdVersion: r.ffd_version,
        kktVersion: r.kkt_version,
        registrationStatus: r.status,
        registeredAt: r.registered_at,
        connection: { ...c, lastReceivedAt: iso(c.lastReceivedAt) },
        fnReplacement: current && current.closed_at === null ? fnForecast(current, now) : null,
        ofdService: ofdServiceJson(serviceUntil, ctx.unpaidPolicy, now),
        claim,
        createdAt: iso(r.created_at),
      };
      if (!withDrives) return base;
      const history = [...mine].sort((a, b) => (b.registered_at ?? b.last_received_at?.toISOString() ?? '').localeCompare(a.registered_at ?? a.last_received_at?.toISOString() ?? ''));
      return { ...base, fiscalDrives: history.map((d) => fiscalDriveJson(d, now)) };
    });
  };
  const loadRegister = async (p: Principal, id: number, permission: 'registry:read' | 'registry:write') => {
    const r = await findRegister(ctx.db, id);
    if (!r) throw notFound('register');
    await authorizePlace(ctx.db, p, r.organization_id, { registerId: r.id }, permission, 'register');
    return r;
  };
  const loadOutlet = async (p: Principal, id: number, permission: 'registry:read' | 'registry:write') => {
    const o = await findOutlet(ctx.db, id);
    if (!o) throw notFound('outlet');
    await authorizePlace(ctx.db, p, o.organization_id, { outletId: o.id }, permission, 'outlet');
    return o;
  };
  return { documentOwnersOf, registersJson, loadRegister, loadOutlet };
}
export type RegistryLocals = ReturnType<typeof registryLocals>;
