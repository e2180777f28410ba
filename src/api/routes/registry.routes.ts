/**
 * Outlets (places of settlement that group registers), registers (learned from documents or added by hand) with their
 * FN history, connection status and OFD service end (set by the operator), and fiscal drives with their expiry forecast
 * and missing documents.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context.js';
import { registryLocals } from './registry-views.js';
import { getOutletsByIdRoute, getOutletsRoute, patchOutletsByIdRoute, postOutletsRoute } from './outlets.routes.js';
import {
  getRegistersByIdRoute,
  getRegistersConflictsRoute,
  getRegistersRoute,
  patchRegistersByIdRoute,
  postRegistersRoute,
  putRegistersByIdOfdServiceRoute,
} from './registers.routes.js';
import { getFiscalDrivesByFnRoute, getFiscalDrivesRoute } from './fiscal-drives.routes.js';

export function registryRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = registryLocals(ctx);
    getOutletsRoute(app, ctx);
    postOutletsRoute(app, ctx);
    getOutletsByIdRoute(app, locals);
    patchOutletsByIdRoute(app, ctx, locals);
    getRegistersRoute(app, ctx, locals);
    postRegistersRoute(app, ctx, locals);
    getRegistersConflictsRoute(app, ctx);
    getRegistersByIdRoute(app, locals);
    patchRegistersByIdRoute(app, ctx, locals);
    putRegistersByIdOfdServiceRoute(app, ctx, locals);
    getFiscalDrivesRoute(app, ctx);
    getFiscalDrivesByFnRoute(app, ctx);
  };
}
