// The self-service onboarding routes (issue 16), mounted by index.ts in one line.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context.js';
import { innClaimRoutes } from './inn-claims.routes.js';
import { onboardingRoutes } from './onboarding.routes.js';
import { teamRoutes } from './team.routes.js';
import { preparedRegisterRoutes } from './prepared-registers.routes.js';

export function onboardingApiRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(onboardingRoutes(ctx));
    await app.register(innClaimRoutes(ctx));
    await app.register(teamRoutes(ctx));
    await app.register(preparedRegisterRoutes(ctx));
  };
}
