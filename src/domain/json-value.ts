/**
 * A decoded document as JSON text would carry it, without writing the text.
 *
 * The FNS JSON of a stored document (src/db/fns-json.ts) and a submission to the FNS (src/adapters/fns/fns-submission.ts)
 * must be plain JSON values: a value beyond 2^53 as a decimal string (fns-api.ts), no `undefined`. Both used to get
 * that by `JSON.parse(JSON.stringify(x, bigintsAsStrings))`, which costs ≈ 30 µs for a receipt — more than decoding it
 * (≈ 10 µs) — on every FNS submission, e-receipt and API read. This walk gives the same value for what
 * decodeDocument returns and anything else JSON.stringify accepts: properties whose value is undefined, a function or a
 * symbol vanish, array elements of those become null, a non-finite number becomes null, -0 becomes 0, `toJSON` is
 * called (a Date, a Buffer), a bigint becomes its decimal string (where JSON.stringify alone would throw).
 * test/unit/domain/json-value.test.ts checks it against the JSON round trip on arbitrary values and on decoded documents.
 *
 * Not for cyclic values (JSON.stringify throws on them; this would not end): decoded documents are trees.
 */

export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };

/** undefined: what JSON leaves out (as a property) or writes as null (as an array element). */
export function toJsonValue(value: unknown, key: string | number = ''): JsonValue | undefined {
  let v = value;
  // As JSON.stringify: an object's or a function's toJSON, read once, called with the key.
  if ((v !== null && typeof v === 'object') || typeof v === 'function') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = (toJSON as (key: string) => unknown).call(v, String(key));
  }
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v + 0 : null; // v + 0: -0 → 0, as JSON writes it
    case 'bigint':
      return v.toString();
    case 'object':
      if (v === null) return null;
      return Array.isArray(v) ? arrayOf(v) : objectOf(v as Record<string, unknown>);
    default:
      return undefined; // undefined, function, symbol
  }
}

function arrayOf(xs: readonly unknown[]): JsonValue[] {
  const out = new Array<JsonValue>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = toJsonValue(xs[i], i) ?? null;
  return out;
}

function objectOf(o: Record<string, unknown>): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(o)) {
    const v = toJsonValue(o[k], k);
    if (v === undefined) continue;
    // An own "__proto__" (JSON.parse makes one) stays a property, as in JSON text, instead of setting the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
