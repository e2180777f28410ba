import { Button, Space, Tabs, Typography } from 'antd';
import type { ReceiptDetail } from '../api/receipts';

/** base64 → `0a 1b …` lines of 16 bytes with offsets, as an expert reads a dump. */
export function hexDump(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${row}`);
  }
  return lines.join('\n');
}

function download(name: string, content: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

/** For experts: the FNS JSON as received and the container's bytes. */
export function ExpertView({ detail }: { detail: ReceiptDetail }) {
  const json = JSON.stringify(detail.document, null, 2);
  const name = `fn${detail.meta.fn}-fd${detail.meta.fd}`;
  const pre = { maxHeight: 480, overflow: 'auto', fontSize: 12, background: '#fafafa', padding: 12, margin: 0 } as const;
  return (
    <Tabs
      items={[
        {
          key: 'json',
          label: 'JSON ФНС',
          children: (
            <>
              <Space style={{ marginBottom: 8 }}>
                <Button size="small" onClick={() => download(`${name}.json`, json, 'application/json')}>
                  Скачать JSON
                </Button>
              </Space>
              <pre style={pre} aria-label="Документ в формате JSON ФНС">
                {json}
              </pre>
            </>
          ),
        },
        {
          key: 'raw',
          label: 'Исходные байты',
          children: (
            <>
              <Typography.Paragraph type="secondary">Контейнер документа точно так, как его прислал фискальный накопитель (с заголовком 32 байта).</Typography.Paragraph>
              <Space style={{ marginBottom: 8 }}>
                <Button size="small" onClick={() => download(`${name}.bin`, Uint8Array.from(atob(detail.raw.container), (c) => c.charCodeAt(0)), 'application/octet-stream')}>
                  Скачать .bin
                </Button>
              </Space>
              <pre style={pre} aria-label="Исходные байты документа">
                {hexDump(detail.raw.container)}
              </pre>
            </>
          ),
        },
      ]}
    />
  );
}
