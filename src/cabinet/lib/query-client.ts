import { QueryClient } from '@tanstack/react-query';
import { ApiFailure } from './api/errors';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Retry only what may pass on its own: the network and the server's 5xx, never 4xx.
        retry: (count, e) => count < 2 && (!(e instanceof ApiFailure) || e.status === 0 || e.status >= 500),
      },
    },
  });
}
