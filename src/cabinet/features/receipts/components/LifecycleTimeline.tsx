import { Timeline } from 'antd';
import { formatInstant } from '../../../lib/format';
import type { ReceiptDetail } from '../api/receipts';
import { FNS_STATUSES } from '../lib/receipt-filters';

const KIND: Record<string, string> = {
  received: 'Получен от кассы',
  persisted: 'Сохранён в ОФД',
  fns_dead: 'Не доставлен в ФНС: передан в разбор',
  reprocessed: 'Пересобран из исходных байтов',
};

function labelOf(kind: string, detail: Record<string, unknown> | null): string {
  if (kind === 'fns_answered') {
    const status = typeof detail?.['status'] === 'string' ? detail['status'] : '';
    return `Ответ ФНС: ${FNS_STATUSES[status] ?? status}`;
  }
  return KIND[kind] ?? kind;
}

/** The document's life as the operator saw it: arrival, acknowledgement, storage, the FNS's answer, reprocessing. */
export function LifecycleTimeline({ status }: { status: ReceiptDetail['status'] }) {
  const events = status.timeline.map((e) => ({ at: e.at, label: labelOf(e.kind, e.detail) }));
  if (!status.timeline.some((e) => e.kind === 'received')) events.push({ at: status.receivedAt, label: KIND.received! });
  if (status.ackedAt !== null) events.push({ at: status.ackedAt, label: `Квитанция отправлена кассе (код ${status.ackCode ?? '—'})` });
  const items = events.sort((a, b) => a.at.localeCompare(b.at));
  // No ack known to have reached the register's connection (it closed first, or the report was lost): the register
  // keeps the document and sends it again; that copy's ack is recorded then.
  const unacked = status.ackedAt === null
    ? [{ color: 'gray', content: <div>Отправка квитанции кассе не подтверждена: касса передаст документ повторно</div> }]
    : [];
  return (
    <Timeline
      items={[
        ...items.map((e) => ({
          content: (
            <>
              <div>{e.label}</div>
              <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.65)' }}>{formatInstant(e.at)}</div>
            </>
          ),
        })),
        ...unacked,
      ]}
    />
  );
}
