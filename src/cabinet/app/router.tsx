import { createBrowserRouter, type RouteObject } from 'react-router';
import { NotFoundPage } from './NotFoundPage';
import { RequireOperator } from './RequireOperator';
import { RequireSession } from './RequireSession';
import { publicRoutes, sectionRoutes, type SectionRoute } from './routes';

function lazyRoute(r: SectionRoute): RouteObject {
  const route: RouteObject = r.path === '' ? { index: true } : { path: r.path };
  route.lazy = async () => ({ Component: (await r.page()).default });
  return route;
}

export function createRouter() {
  return createBrowserRouter([
    ...publicRoutes.map(lazyRoute),
    {
      element: <RequireSession />,
      // The layout (menu, search, header) is a chunk of its own: the sign-in page never loads it.
      children: [
        {
          path: '/',
          lazy: async () => ({ Component: (await import('./layout/AppLayout')).AppLayout }),
          children: [
            ...sectionRoutes.filter((r) => r.operatorOnly !== true).map(lazyRoute),
            // The operator's pages behind a gate: anyone else gets «Нет доступа» and never loads their chunks.
            { element: <RequireOperator />, children: sectionRoutes.filter((r) => r.operatorOnly === true).map(lazyRoute) },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
