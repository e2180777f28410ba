/**
 * What `ofd fake-fns` remembers and how it answers one batch of POST /api/v1/documents once the faults let it through:
 * the request is validated (schema, size, a document twice, injected refusals, fake-fns-rules.ts checks), then every
 * document is answered — the first copy judged and stored, a later copy answered the same with duplicate: true.
 */
import { documentKey, FNS_STATUSES, FnsRequestBody, type FnsDocumentSubmission, type FnsStatus, type FnsTagError } from './fns-api.js';
import { reply, type JsonReply } from '../http/fake-server.js';
import { checkSubmission, judgeDocument, type CheckedSubmission, type SubmissionProblem } from './fake-fns-rules.js';

export interface FakeFnsStats {
  /** API requests (POST /api/v1/documents), by the HTTP status answered (`reset` for a reset connection). */
  readonly requests: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly documents: {
    /** Document copies processed (answered 200), duplicates included. */
    readonly received: number;
    /** Distinct (fn, fd) processed. */
    readonly unique: number;
    /** Copies of an (fn, fd) processed before. */
    readonly duplicates: number;
    readonly byStatus: Readonly<Record<FnsStatus, number>>;
  };
  /** `<fn>:<fd>` → copies processed and the answer. */
  readonly perDocument: Readonly<Record<string, { readonly received: number; readonly status: FnsStatus }>>;
}

export interface ReceivedDocument {
  /** The first copy, as received. */
  readonly submission: FnsDocumentSubmission;
  readonly status: FnsStatus;
  readonly errors: readonly FnsTagError[];
  readonly received: number;
}

const badRequest = (message: string): JsonReply => reply(400, { code: 'BAD_REQUEST', message });

/** The batch of a request body, or the answer refusing it (not JSON, not the schema, too many, a document twice). */
export function parseBatch(text: string, maxDocuments: number): FnsDocumentSubmission[] | JsonReply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return badRequest('body is not JSON');
  }
  const parsed = FnsRequestBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return badRequest(issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid request');
  }
  const batch = parsed.data.documents as FnsDocumentSubmission[];
  if (batch.length > maxDocuments) return reply(413, { code: 'TOO_LARGE', message: `${batch.length} documents; at most ${maxDocuments}` });
  const keys = new Set<string>();
  for (const d of batch) {
    const key = documentKey(d.fn, d.fd);
    if (keys.has(key)) return badRequest(`document (${d.fn}, ${d.fd}) twice in one request`);
    keys.add(key);
  }
  return batch;
}

/** A request holding a document named in the failDocuments fault: refused with that document's status. */
export function injectedRefusal(batch: readonly FnsDocumentSubmission[], failDocuments: ReadonlyMap<string, number>): JsonReply | undefined {
  const injected = batch.filter((d) => failDocuments.has(documentKey(d.fn, d.fd)));
  if (injected.length === 0) return undefined;
  return reply(failDocuments.get(documentKey(injected[0]!.fn, injected[0]!.fd)) ?? 400, {
    code: 'BAD_DOCUMENT',
    message: `${injected.length} document(s) refused (injected)`,
    documents: injected.map((d) => ({ fn: d.fn, fd: d.fd, code: 'INJECTED', message: 'refused by an injected fault' })),
  });
}

/** Every document checked (fake-fns-rules.ts), or the 400 naming those that do not check. */
export function checkBatch(batch: readonly FnsDocumentSubmission[]): { d: FnsDocumentSubmission; check: CheckedSubmission }[] | JsonReply {
  const problems: SubmissionProblem[] = [];
  const checked: { d: FnsDocumentSubmission; check: CheckedSubmission }[] = [];
  for (const d of batch) {
    const check = checkSubmission(d);
    if (check.ok) checked.push({ d, check });
    else problems.push(check);
  }
  if (problems.length === 0) return checked;
  return reply(400, {
    code: 'BAD_DOCUMENT',
    message: `${problems.length} document(s) do not check: ${problems[0]!.code}`,
    documents: problems.map(({ fn, fd, code, message }) => ({ fn, fd, code, message })),
  });
}

export type FnsLedger = ReturnType<typeof createFnsLedger>;

/** The documents the fake has answered and its counters. */
export function createFnsLedger() {
  const documents = new Map<string, { submission: FnsDocumentSubmission; status: FnsStatus; errors: readonly FnsTagError[]; received: number }>();
  const counters = { requests: 0, byStatus: new Map<string, number>(), received: 0, duplicates: 0 };

  /** Answers checked documents: the first copy is judged and stored, a later one gets the stored answer. */
  function answer(checked: readonly { d: FnsDocumentSubmission; check: CheckedSubmission }[]): JsonReply {
    const answers = checked.map(({ d, check }) => {
      const key = documentKey(d.fn, d.fd);
      counters.received += 1;
      const known = documents.get(key);
      if (known) {
        known.received += 1;
        counters.duplicates += 1;
        return { fn: d.fn, fd: d.fd, status: known.status, ...(known.errors.length ? { errors: known.errors } : {}), duplicate: true };
      }
      const judgement = judgeDocument(check.form, check.fields);
      documents.set(key, { submission: d, status: judgement.status, errors: judgement.errors, received: 1 });
      return { fn: d.fn, fd: d.fd, status: judgement.status, ...(judgement.errors.length ? { errors: judgement.errors } : {}) };
    });
    return reply(200, { documents: answers });
  }

  function stats(): FakeFnsStats {
    const byStatus = Object.fromEntries(FNS_STATUSES.map((s) => [s, 0])) as Record<FnsStatus, number>;
    const perDocument: Record<string, { received: number; status: FnsStatus }> = {};
    for (const [key, d] of documents) {
      byStatus[d.status] += 1;
      perDocument[key] = { received: d.received, status: d.status };
    }
    return {
      requests: { total: counters.requests, byStatus: Object.fromEntries(counters.byStatus) },
      documents: { received: counters.received, unique: documents.size, duplicates: counters.duplicates, byStatus },
      perDocument,
    };
  }

  return {
    answer,
    stats,
    /** One API request; `status` is what it was answered (`reset` for a reset connection). */
    countRequest(): void {
      counters.requests += 1;
    },
    countAnswer(status: string): void {
      counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + 1);
    },
    /** The stored copy, as GET /_documents/<fn>/<fd> shows it. */
    get: (fn: string, fd: number) => documents.get(documentKey(fn, fd)),
    clear(): void {
      documents.clear();
      counters.requests = 0;
      counters.byStatus.clear();
      counters.received = 0;
      counters.duplicates = 0;
    },
  };
}
