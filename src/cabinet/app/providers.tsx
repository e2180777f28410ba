import { QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider } from 'antd';
import ruRU from 'antd/locale/ru_RU';
import dayjs from 'dayjs';
import 'dayjs/locale/ru';
import { useState, type ReactNode } from 'react';
import { createQueryClient } from '../lib/query-client';
import { usePrefersReducedMotion } from '../lib/use-reduced-motion';

dayjs.locale('ru');

/**
 * Ant Design with its Russian locale (dates, pagination, empty texts) and without animations for a person who asked
 * for reduced motion, and the query cache for server state.
 */
export function AppProviders({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  const reducedMotion = usePrefersReducedMotion();
  return (
    <ConfigProvider locale={ruRU} theme={{ token: { colorPrimary: '#1668dc', borderRadius: 6, motion: !reducedMotion } }}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </ConfigProvider>
  );
}
