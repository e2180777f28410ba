/** The runtime shape compiler of the decoder: one constructor per recurring key sequence (see Shape). */
import { TAG_SLOTS, type FieldObject, type FieldValue } from './fields.js';

/** The slot tag of `code`, the first field of a document: no TLV has it. */
export const CODE_TAG = -1;

/** `tlv<tag>` keys, made once per tag. */
const RAW_KEYS: Array<string | undefined> = [];
const rawKey = (tag: number): string => (RAW_KEYS[tag] ??= `tlv${tag}`);

/**
 * The key sequence of a decoded object, and once it has recurred, a constructor for it.
 *
 * Storing a field under a key known only at run time is a megamorphic keyed store in V8 (~10 ns each on the bench
 * machine, ~2 µs of a 20-item receipt), and an object that receives more than ~20 fields that way ends up in
 * dictionary mode (a receipt's document level did: slower to build, to read and to stringify). A constructor whose
 * body names the keys stores them like `this.sum = …` in a few ns and gives every object of the sequence one hidden
 * class. So the COMPILE_AFTER-th object of a key sequence compiles one, with `new Function` from the keys (JSON-quoted;
 * they are dictionary names and `tlv<digits>`): ~50 µs once per sequence (Fastify compiles its serializers the same
 * way). A sequence is found by its parent's last one, else by a hash of its tags. At most MAX_SHAPES sequences are
 * counted (beyond that, the uncompiled ones are forgotten), MAX_COMPILED compiled, none of more than MAX_COMPILED_KEYS
 * keys, so hostile input cannot grow this without bound; where code generation is refused, nothing is compiled.
 * Objects without a constructor are filled key by key, as before. Either way an object has the same keys in the same
 * order with the same values, and prototype Object.prototype like `{}`.
 */
interface Shape {
  /** The names of the parent's kind (NAMES_UNDER_FORM or NAMES_UNDER_STLV): with the tags, they decide the keys. */
  readonly names: ReadonlyArray<string | undefined>;
  readonly hash: number;
  readonly tags: Int32Array;
  readonly keys: readonly string[];
  seen: number;
  ctor: (new (values: readonly FieldValue[]) => FieldObject) | undefined;
}
const COMPILE_AFTER = 64;
const MAX_SHAPES = 4096;
const MAX_COMPILED = 1024;
const MAX_COMPILED_KEYS = 256;
const shapesByHash = new Map<number, Shape[]>();
let shapeCount = 0;
let compiledCount = 0;
/** Off for good when the host refuses code generation from strings (`--disallow-code-generation-from-strings`). */
let canCompile = true;
/** Per parent tag, the shape its last object had. */
const LAST_SHAPE: Array<Shape | undefined> = [];

/** The key of a slot: `code`, the tag's name under this kind of parent, or `tlv<tag>`. */
function slotKey(names: ReadonlyArray<string | undefined>, tag: number): string {
  return tag === CODE_TAG ? 'code' : ((tag < TAG_SLOTS ? names[tag] : undefined) ?? rawKey(tag));
}

/** The object of the collected values: by its shape's constructor when there is one, else field by field. */
export function buildObject(
  parent: number,
  names: ReadonlyArray<string | undefined>,
  tags: number[],
  values: FieldValue[],
  count: number,
  hash: number,
): FieldObject {
  const cacheable = parent >= 0 && parent < TAG_SLOTS;
  let shape = cacheable ? LAST_SHAPE[parent] : undefined;
  if (shape === undefined || shape.hash !== hash || shape.names !== names || !sameTags(shape.tags, tags, count)) {
    shape = findShape(names, tags, count, hash);
    if (cacheable) LAST_SHAPE[parent] = shape;
  }
  if (shape.ctor === undefined && ++shape.seen === COMPILE_AFTER) compileShape(shape);
  if (shape.ctor !== undefined) return new shape.ctor(values);
  const out = newFieldObject(parent);
  const keys = shape.keys;
  for (let i = 0; i < count; i++) out[keys[i]!] = values[i]!;
  return out;
}

/** The remembered shape of these tags under this kind of parent, remembered now if new. */
function findShape(names: ReadonlyArray<string | undefined>, tags: number[], count: number, hash: number): Shape {
  const list = shapesByHash.get(hash);
  if (list !== undefined) {
    for (const s of list) if (s.names === names && sameTags(s.tags, tags, count)) return s;
  }
  if (shapeCount >= MAX_SHAPES) forgetUncompiledShapes();
  const slots = tags.slice(0, count);
  const shape: Shape = { names, hash, tags: Int32Array.from(slots), keys: slots.map((t) => slotKey(names, t)), seen: 0, ctor: undefined };
  const bucket = shapesByHash.get(hash);
  if (bucket === undefined) shapesByHash.set(hash, [shape]);
  else bucket.push(shape);
  shapeCount++;
  return shape;
}

function sameTags(a: Int32Array, tags: number[], count: number): boolean {
  if (a.length !== count) return false;
  for (let i = 0; i < count; i++) if (a[i] !== tags[i]) return false;
  return true;
}

function forgetUncompiledShapes(): void {
  shapeCount = 0;
  for (const [hash, list] of shapesByHash) {
    const kept = list.filter((s) => s.ctor !== undefined);
    if (kept.length === 0) shapesByHash.delete(hash);
    else shapesByHash.set(hash, kept);
    shapeCount += kept.length;
  }
  LAST_SHAPE.length = 0;
}

function compileShape(shape: Shape): void {
  const keys = shape.keys;
  if (!canCompile || compiledCount >= MAX_COMPILED || keys.length > MAX_COMPILED_KEYS) return;
  // `__proto__` would set the prototype rather than a field (a keyed store does the same): leave such shapes alone.
  if (keys.includes('__proto__')) return;
  const body = keys.map((k, i) => `this[${JSON.stringify(k)}] = v[${i}];`).join('\n');
  try {
    const ctor = new Function('v', body) as NonNullable<Shape['ctor']>;
    ctor.prototype = Object.prototype;
    shape.ctor = ctor;
    compiledCount++;
  } catch {
    canCompile = false;
  }
}

/**
 * Objects stored field by field come from a constructor per parent tag: V8 sizes a constructor's objects by the fields
 * they received (in-object slack tracking), while `{}` starts with 4 slots and grows a backing store; per parent, each
 * kind of object gets its own size.
 */
const OBJECT_CTORS: Array<(new () => FieldObject) | undefined> = [];
function plainObjectClass(): new () => FieldObject {
  function PlainObject(): void {}
  PlainObject.prototype = Object.prototype;
  return PlainObject as unknown as new () => FieldObject;
}
const FALLBACK_CTOR = plainObjectClass();
function newFieldObject(parent: number): FieldObject {
  if (!(parent >= 0 && parent < TAG_SLOTS)) return new FALLBACK_CTOR();
  return new (OBJECT_CTORS[parent] ??= plainObjectClass())();
}
