/**
 * A small seeded PRNG (sfc32) so every generated document reproduces from `(seed, register index)`. Each register owns
 * its own stream: the order in which the network lets registers advance cannot change what any of them generates.
 */

/** 32-bit FNV-1a over a string's UTF-16 units: turns a seed text into PRNG state words. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: string) {
    this.a = fnv1a(seed);
    this.b = fnv1a(seed, 0x9e3779b9);
    this.c = fnv1a(seed, 0x85ebca6b);
    // Warm-up: sfc32's first outputs still show the seed's structure.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `n` decimal digits (leading zeros allowed). */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(48 + Math.floor(this.next() * 10));
    return s;
  }

  /** A value chosen in proportion to its weight (for hot paths, build a `WeightedChoice` once). */
  weighted<K>(weights: ReadonlyArray<readonly [K, number]>): K {
    return new WeightedChoice(weights).pick(this);
  }
}

/** A fixed weighted choice with its cumulative weights computed once. */
export class WeightedChoice<K> {
  private readonly keys: K[];
  private readonly cumulative: Float64Array;

  constructor(weights: ReadonlyArray<readonly [K, number]>) {
    if (weights.length === 0) throw new RangeError('a weighted choice needs at least one value');
    this.keys = weights.map(([k]) => k);
    this.cumulative = new Float64Array(weights.length);
    let total = 0;
    weights.forEach(([, w], i) => (this.cumulative[i] = total += w));
  }

  pick(r: Prng): K {
    const x = r.next() * this.cumulative[this.cumulative.length - 1]!;
    let i = 0;
    while (i < this.keys.length - 1 && this.cumulative[i]! <= x) i++;
    return this.keys[i]!;
  }
}
