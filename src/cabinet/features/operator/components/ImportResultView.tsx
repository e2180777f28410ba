/** What an imported statement did: the counts, then each payment — which invoice and whose balance it paid, or why not. */
import { Alert, Descriptions, Table, Tag, Typography } from 'antd';
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { ImportedPayment, ImportResult } from '../api/operator';
import { OUTCOME_TEXT } from '../lib/statements';

function Payer({ p }: { p: ImportedPayment }) {
  return (
    <span>
      {p.payerName ?? '—'}
      {p.payerInn ? (
        <>
          <br />
          <Typography.Text type="secondary">ИНН {p.payerInn}</Typography.Text>
        </>
      ) : null}
    </span>
  );
}

function Fate({ p }: { p: ImportedPayment }) {
  const o = OUTCOME_TEXT[p.outcome];
  return (
    <span>
      <Tag color={o.color}>{o.text}</Tag>
      {p.outcome === 'matched' ? (
        <div>
          Счёт {p.invoiceNumber}
          {p.organization ? (
            <>
              <br />
              {p.organization.name}, ИНН {p.organization.inn}
            </>
          ) : null}
        </div>
      ) : null}
    </span>
  );
}

function summary(r: ImportResult): string {
  if (r.lines === 0) return 'В выписке нет поступлений на счёт оператора: зачислять нечего. Проверьте, что выгружена выписка по расчётному счёту оператора.';
  if (r.duplicates === r.lines) return `Все платежи этой выписки (${formatCount(r.lines)}) уже были загружены ранее: повторно ничего не зачислено.`;
  if (r.unmatched > 0) return `Зачислено ${formatCount(r.matched)} из ${formatCount(r.lines)}. Платежи без номера известного счёта не зачислены: они в списке ниже.`;
  return `Зачислено ${formatCount(r.matched)} из ${formatCount(r.lines)}.`;
}

export function ImportResultView({ result }: { result: ImportResult }) {
  return (
    <div aria-live="polite">
      <Alert type={result.unmatched > 0 || result.lines === 0 || result.duplicates === result.lines ? 'warning' : 'success'} showIcon title="Выписка загружена" description={summary(result)} style={{ marginBottom: 12 }} />
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 4 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Поступлений">{formatCount(result.lines)}</Descriptions.Item>
        <Descriptions.Item label="Зачислено по счетам">{formatCount(result.matched)}</Descriptions.Item>
        <Descriptions.Item label="Счёт не найден">{formatCount(result.unmatched)}</Descriptions.Item>
        <Descriptions.Item label="Загружены ранее">{formatCount(result.duplicates)}</Descriptions.Item>
      </Descriptions>
      {result.payments.length > 0 ? (
        <Table<ImportedPayment>
          rowKey={(p) => `${p.documentNumber}:${p.paidOn ?? ''}:${p.amount}:${p.purpose}`}
          size="small"
          dataSource={[...result.payments]}
          pagination={result.payments.length > 50 ? { pageSize: 50 } : false}
          scroll={{ x: 960 }}
          aria-label="Платежи выписки"
          columns={[
            { title: 'Платёжка', key: 'doc', render: (_, p) => `№ ${p.documentNumber || '—'} от ${formatLocalDateTime(p.paidOn)}` },
            { title: 'Плательщик', key: 'payer', render: (_, p) => <Payer p={p} /> },
            { title: 'Сумма', key: 'amount', align: 'right', render: (_, p) => formatMoney(p.amount) },
            { title: 'Результат', key: 'fate', render: (_, p) => <Fate p={p} /> },
            { title: 'Назначение платежа', key: 'purpose', render: (_, p) => <Typography.Text style={{ display: 'inline-block', minWidth: 200, maxWidth: 280, whiteSpace: 'normal' }}>{p.purpose}</Typography.Text> },
          ]}
        />
      ) : null}
    </div>
  );
}
