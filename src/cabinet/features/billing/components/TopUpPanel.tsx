/**
 * Top-up: an amount in rubles, then «Оплатить картой» (to the provider's page and back) or «Выставить счёт» (the PDF
 * to pay by bank transfer, with the invoice number to put in the payment purpose).
 */
import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { formatMoney, kopecksToInput, parseRubles } from '../../../lib/format';
import { useIssueInvoice, useStartCardTopUp, type Invoice } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import { rememberTopUp, returnUrlFor } from '../lib/top-up-return';

const MIN = 100;
const MAX_CARD = 1_000_000_00;
const MAX_INVOICE = 100_000_000_00;
const QUICK = [1_000_00, 3_000_00, 5_000_00, 10_000_00];

/** The amount typed, checked: kopecks, or what is wrong with it. */
export function amountError(text: string, max: number): string | undefined {
  if (text.trim() === '') return 'Введите сумму в рублях, например 1500 или 1 500,50';
  const k = parseRubles(text);
  if (k === undefined) return 'Сумма — число рублей, копейки через запятую: 1 500,50';
  if (k < MIN) return 'Минимальная сумма — 1 ₽';
  if (k > max) return `Максимальная сумма — ${formatMoney(max)}`;
  return undefined;
}

/** The amount typed and the two ways to pay it, each with its own limit and outcome. */
function useTopUp(organizationId: number, suggested: number | undefined) {
  const [text, setText] = useState(suggested ? kopecksToInput(suggested) : '');
  // Which button was pressed: their limits differ (a card takes up to 1 000 000 ₽).
  const [attempt, setAttempt] = useState<'card' | 'invoice' | undefined>();
  const [noPage, setNoPage] = useState(false);
  const card = useStartCardTopUp(organizationId);
  const invoice = useIssueInvoice(organizationId);
  const [issued, setIssued] = useState<Invoice | undefined>();
  const amount = parseRubles(text);
  const cardError = amountError(text, MAX_CARD);
  const invoiceError = amountError(text, MAX_INVOICE);

  const payByCard = () => {
    setAttempt('card');
    setNoPage(false);
    if (cardError || amount === undefined) return;
    const key = newPurchaseKey('card');
    card.mutate(
      { amount, idempotencyKey: key, returnUrl: returnUrlFor(window.location.origin, organizationId, key) },
      {
        onSuccess: (p) => {
          rememberTopUp(key, p.id);
          if (p.confirmationUrl) window.location.assign(p.confirmationUrl);
          else setNoPage(true);
        },
      },
    );
  };
  const issueInvoice = () => {
    setAttempt('invoice');
    if (invoiceError || amount === undefined) return;
    invoice.mutate({ amount, idempotencyKey: newPurchaseKey('invoice') }, { onSuccess: setIssued });
  };
  const shownError = attempt === 'card' ? cardError : attempt === 'invoice' ? invoiceError : undefined;
  return { text, setText, noPage, card, invoice, issued, payByCard, issueInvoice, shownError };
}

function TopUpForm({ t }: { t: ReturnType<typeof useTopUp> }) {
  return (
    <Form layout="vertical" onSubmitCapture={(e) => e.preventDefault()}>
      <Form.Item label="Сумма, ₽" validateStatus={t.shownError ? 'error' : undefined} help={t.shownError} style={{ marginBottom: 8 }}>
        <Input aria-label="Сумма пополнения, ₽" inputMode="decimal" value={t.text} onChange={(e) => t.setText(e.target.value)} placeholder="1 500" suffix="₽" style={{ maxWidth: 240 }} />
      </Form.Item>
      <Space wrap style={{ marginBottom: 12 }}>
        {QUICK.map((k) => (
          <Button key={k} size="small" onClick={() => t.setText(kopecksToInput(k).replace(/,00$/, ''))}>
            {formatMoney(k).replace(/,00/, '')}
          </Button>
        ))}
      </Space>
      <Space wrap>
        <Button type="primary" onClick={t.payByCard} loading={t.card.isPending}>
          Оплатить картой
        </Button>
        <Button onClick={t.issueInvoice} loading={t.invoice.isPending}>
          Выставить счёт
        </Button>
      </Space>
    </Form>
  );
}

function TopUpError({ title, description }: { title: string; description: string }) {
  return <Alert type="error" showIcon role="alert" style={{ marginTop: 12 }} title={title} description={description} />;
}

export function TopUpPanel({ organizationId, suggested }: { organizationId: number; suggested?: number }) {
  const t = useTopUp(organizationId, suggested);
  return (
    <Card title="Пополнить баланс" size="small" style={{ marginBottom: 16 }}>
      <TopUpForm t={t} />
      {t.card.error ? <TopUpError title="Оплата картой не началась" description={billingErrorText(t.card.error)} /> : null}
      {t.noPage ? <TopUpError title="Платёжный сервис не открыл страницу оплаты" description="Деньги не списаны. Повторите через несколько минут или пополните баланс по счёту." /> : null}
      {t.invoice.error ? <TopUpError title="Счёт не выставлен" description={billingErrorText(t.invoice.error)} /> : null}
      {t.issued ? <IssuedInvoice invoice={t.issued} /> : null}
    </Card>
  );
}

export function IssuedInvoice({ invoice }: { invoice: Invoice }) {
  return (
    <Alert
      type="success"
      showIcon
      style={{ marginTop: 12 }}
      title={`Счёт № ${invoice.number} на ${formatMoney(invoice.amount)} выставлен`}
      description={
        <>
          <Typography.Paragraph style={{ marginBottom: 8 }}>
            Оплатите его с расчётного счёта организации и укажите в назначении платежа «Оплата по счёту № {invoice.number}». Деньги поступят на баланс, когда
            оператор получит выписку банка (обычно 1–2 рабочих дня). Счёт всегда можно скачать во вкладке «Документы».
          </Typography.Paragraph>
          <a href={invoice.pdfUrl} download>
            <Button icon={<DownloadOutlined />}>Скачать счёт (PDF)</Button>
          </a>
        </>
      }
    />
  );
}
