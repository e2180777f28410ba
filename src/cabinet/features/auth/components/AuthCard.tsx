import { Card, Typography } from 'antd';
import type { ReactNode } from 'react';

/** The frame of the pages a signed-out user sees: centred, full width on a phone. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: 16, background: '#f5f5f5' }}>
      <Card style={{ width: '100%', maxWidth: 420 }}>
        <Typography.Text type="secondary">Личный кабинет ОФД</Typography.Text>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 4 }}>
          {title}
        </Typography.Title>
        {children}
      </Card>
    </main>
  );
}
