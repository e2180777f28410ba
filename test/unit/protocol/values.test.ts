// Value codecs (§5) against bytes built by hand from the spec. Expected values never come from the code under test.
import { fc, test } from '@fast-check/vitest';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeCp866, encodeCp866 } from '../../../protocol/cp866.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { tagDef } from '../../../protocol/tags/index.js';
import {
  decodeFiscalSign,
  decodeFvln,
  decodeScalar,
  encodeFiscalSign,
  encodeScalar,
  type ValueSpec,
  DEFAULT_FISCAL_SIGN_PREFIX,
} from '../../../protocol/values.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const def = (tag: number): ValueSpec => tagDef(tag)!;
const decode = (tag: number | ValueSpec, bytes: string): unknown => {
  const b = hex(bytes);
  return decodeScalar(typeof tag === 'number' ? def(tag) : tag, b, 0, b.length);
};
const encode = (tag: number | ValueSpec, value: unknown): string =>
  encodeScalar(typeof tag === 'number' ? def(tag) : tag, value).toString('hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

// Tags used below: 1054 operationType byte 1; 1056 encryptionSign bool 1; 1213 fdKeyResource uint16 2;
// 1038 shiftNumber uint32 4; 1012 dateTime unixtime 4; 1020 totalSum vln 6; 1293 numerator vln 8; 1023 quantity fvln 8;
// 1048 user string 256; 1018 userInn string 12 rpad_space; 1245 buyerDocumentCode string 2 rpad_nul;
// 1275 additionalDataFRC bytes 32; 1055 appliedTaxationType bitmask8; 1205 correctionKktReasonCode bitmask32.

describe('integers: byte, bool, uint16, uint32 (LE), bitmasks', () => {
  it('decodes hand-built bytes', () => {
    expect(decode(1054, '02')).toBe(2);
    expect(decode(1056, '01')).toBe(1);
    expect(decode(1213, '34 12')).toBe(0x1234);
    expect(decode(1038, 'cd 00 00 00')).toBe(205);
    expect(decode(1038, 'ff ff ff ff')).toBe(0xffffffff);
    expect(decode(1055, '21')).toBe(0x21);
    expect(decode(1205, '01 00 00 80')).toBe(0x80000001);
  });

  it('encodes to the same bytes', () => {
    expect(encode(1054, 2)).toBe('02');
    expect(encode(1213, 0x1234)).toBe('3412');
    expect(encode(1038, 205)).toBe('cd000000');
    expect(encode(1205, 0x80000001)).toBe('01000080');
  });

  it('bool: JSON 0/1 as on the wire (FNS JSON style), true/false accepted on input, other bytes kept', () => {
    expect(encode(1056, true)).toBe('01');
    expect(encode(1056, false)).toBe('00');
    expect(decode(1056, '02')).toBe(2);
  });

  it('wrong sizes are TLV_BAD_VALUE; sizes over the dictionary maximum are TLV_TOO_LONG', () => {
    expect(codeOf(() => decode(1038, '01 02 03'))).toBe('TLV_BAD_VALUE');
    expect(codeOf(() => decode(1213, '01'))).toBe('TLV_BAD_VALUE');
    expect(codeOf(() => decode(1038, '01 02 03 04 05'))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => decode(1054, '01 02'))).toBe('TLV_TOO_LONG');
    const unbounded: ValueSpec = { tag: 9999, type: 'uint32', maxLength: undefined, padding: undefined };
    expect(codeOf(() => decode(unbounded, '01 02 03 04 05'))).toBe('TLV_BAD_VALUE');
  });

  it('out-of-range or non-integer JSON is JSON_BAD_DOCUMENT', () => {
    expect(codeOf(() => encode(1054, 256))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1038, -1))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1038, 1.5))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1038, '205'))).toBe('JSON_BAD_DOCUMENT');
  });
});

describe('unixtime: local wall-clock seconds encoded as if UTC (§5)', () => {
  it('1460556840 = 28 54 0e 57 ⇄ 2016-04-13T14:14:00 (vectors/README)', () => {
    expect(decode(1012, '28 54 0e 57')).toBe('2016-04-13T14:14:00');
    expect(encode(1012, '2016-04-13T14:14:00')).toBe('28540e57');
  });

  it('agrees with Date.UTC at the edges and on leap days', () => {
    for (const s of ['1970-01-01T00:00:00', '2024-02-29T23:59:59', '2000-03-01T00:00:00', '2106-02-07T06:28:15']) {
      const seconds = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19)) / 1000;
      const b = Buffer.alloc(4);
      b.writeUInt32LE(seconds);
      expect(decode(1012, b.toString('hex'))).toBe(s);
      expect(encode(1012, s)).toBe(b.toString('hex'));
    }
  });

  it('refuses other formats, impossible dates and values outside uint32', () => {
    for (const bad of ['2016-04-13T14:14:00Z', '2016-04-13 14:14:00', '2016-02-30T00:00:00', '2016-04-13T24:00:00', '1969-12-31T23:59:59', '2106-02-07T06:28:16', 1460556840]) {
      expect(codeOf(() => encode(1012, bad))).toBe('JSON_BAD_DOCUMENT');
    }
  });
});

describe('VLN: unsigned LE in the minimal number of bytes (§5)', () => {
  it('1020 totalSum 128521 kopecks = 09 f6 01', () => {
    expect(encode(1020, 128521)).toBe('09f601');
    expect(decode(1020, '09 f6 01')).toBe(128521);
  });

  it('uses the minimal number of bytes; zero is one byte', () => {
    expect(encode(1020, 0)).toBe('00');
    expect(encode(1020, 255)).toBe('ff');
    expect(encode(1020, 256)).toBe('0001');
    expect(encode(1020, 2 ** 48 - 1)).toBe('ffffffffffff');
  });

  it('accepts non-minimal bytes on decode', () => {
    expect(decode(1020, 'e8 03 00 00')).toBe(1000);
  });

  it('is a number up to 2^53 − 1 and a bigint above, never a float', () => {
    expect(decode(1293, 'ff ff ff ff ff ff 1f')).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode(1293, '00 00 00 00 00 00 20')).toBe(2n ** 53n);
    expect(decode(1293, 'ff ff ff ff ff ff ff ff')).toBe(2n ** 64n - 1n);
    expect(encode(1293, 2n ** 64n - 1n)).toBe('ffffffffffffffff');
    expect(encode(1293, '9007199254740993')).toBe('01000000000020');
    expect(codeOf(() => encode(1293, 2 ** 53))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1020, 1.5))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1020, -1))).toBe('JSON_BAD_DOCUMENT');
  });

  it('more bytes than the tag allows is TLV_TOO_LONG both ways (1020: 6)', () => {
    expect(codeOf(() => encode(1020, 2 ** 48))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => decode(1020, '01 00 00 00 00 00 00'))).toBe('TLV_TOO_LONG');
  });
});

describe('FVLN: scale byte, then LE mantissa (§5)', () => {
  it('02 15 cd 5b 07 = 1234567.89, exactly (123456789, 2)', () => {
    expect(decode(1023, '02 15 cd 5b 07')).toBe(1234567.89);
    const b = hex('02 15 cd 5b 07');
    expect(decodeFvln(def(1023), b, 0, b.length)).toEqual({ mantissa: 123456789n, scale: 2 });
  });

  it('encodes a number at the smallest exact scale, from a number or a decimal string', () => {
    expect(encode(1023, 1234567.89)).toBe('0215cd5b07');
    expect(encode(1023, '1234567.89')).toBe('0215cd5b07');
    expect(encode(1023, 2.474)).toBe('03aa09');
    expect(encode(1023, 1)).toBe('0001');
    expect(encode(1023, 0)).toBe('0000');
    expect(encode(1023, 1e-7)).toBe('0701');
    // 1.5e21 = 1500000000000000000000 × 10^0 (nine mantissa bytes: over 1023's 8, so an unbounded spec)
    const unbounded: ValueSpec = { tag: 9998, type: 'fvln', maxLength: undefined, padding: undefined };
    expect(encode(unbounded, 1.5e21)).toBe('000000f0cda884ae5051');
    expect(codeOf(() => encode(1023, 1.5e21))).toBe('TLV_TOO_LONG');
  });

  it('a decimal string keeps its written scale, and decodes back to the same string', () => {
    expect(encode(1023, '1.000')).toBe('03e803');
    expect(decode(1023, '03 e8 03')).toBe('1.000');
    expect(decode(1023, '03 00')).toBe('0.000');
    expect(decode(1023, '01 0f')).toBe(1.5);
  });

  it('a value a double cannot carry exactly decodes to its exact decimal string', () => {
    // 2^53 + 1 with scale 0: 9007199254740993
    expect(decode(1023, '00 01 00 00 00 00 00 20')).toBe('9007199254740993');
    // 0.1 + 0.2 prints as 0.30000000000000004 = 30000000000000004 × 10^-17: scale 0x11, 7 mantissa bytes
    expect(encode(1023, 0.1 + 0.2)).toBe('110400434fd7946a');
    expect(decode(1023, '11 04 00 43 4f d7 94 6a')).toBe(0.1 + 0.2);
  });

  it('a lone scale byte is TLV_BAD_VALUE; negative or non-decimal JSON is JSON_BAD_DOCUMENT', () => {
    expect(codeOf(() => decode(1023, '02'))).toBe('TLV_BAD_VALUE');
    for (const bad of [-1, Infinity, NaN, '1e5', '-1', '1.', '.5', true]) {
      expect(codeOf(() => encode(1023, bad))).toBe('JSON_BAD_DOCUMENT');
    }
    expect(codeOf(() => decode(1023, '02 01 02 03 04 05 06 07 08'))).toBe('TLV_TOO_LONG');
  });
});

describe('strings: CP866 (§5)', () => {
  it('ООО "МММ" = 8e 8e 8e 20 22 8c 8c 8c 22 both ways', () => {
    expect(decode(1048, '8e 8e 8e 20 22 8c 8c 8c 22')).toBe('ООО "МММ"');
    expect(encode(1048, 'ООО "МММ"')).toBe('8e8e8e20228c8c8c22');
  });

  it('Cyrillic upper, lower, Ё ё and №', () => {
    expect(encode(1048, 'АЯаяпрЁё№')).toBe('809fa0efafe0f0f1fc');
    expect(decode(1048, '80 9f a0 af e0 ef f0 f1 fc')).toBe('АЯапряЁё№');
  });

  it('decodes and re-encodes every byte 00–ff to itself (incl. 1a, 1c, 7f, which ICU maps oddly)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = decodeCp866(all, 0, all.length);
    expect(encodeCp866(text, 1048).equals(all)).toBe(true);
    expect(text.charCodeAt(0x1a)).toBe(0x1a);
    expect(text.charCodeAt(0x1c)).toBe(0x1c);
    expect(text.charCodeAt(0x7f)).toBe(0x7f);
  });

  it('rpad_space fields are trimmed on decode and padded to full width on encode (INN 12)', () => {
    expect(decode(1018, '37 38 32 35 37 30 36 30 38 36 20 20')).toBe('7825706086');
    expect(encode(1018, '7825706086')).toBe(Buffer.from('7825706086  ', 'ascii').toString('hex'));
    expect(encode(1018, '7825706086  ')).toBe(Buffer.from('7825706086  ', 'ascii').toString('hex'));
    expect(decode(1018, '20 37 38')).toBe(' 78');
  });

  it('rpad_nul fields are trimmed of and padded with NUL (1245)', () => {
    expect(encode(1245, '2')).toBe('3200');
    expect(decode(1245, '32 00')).toBe('2');
  });

  it('other strings keep their spaces', () => {
    expect(decode(1048, '20 41 20')).toBe(' A ');
  });

  it('refuses characters CP866 lacks rather than writing "?"', () => {
    expect(codeOf(() => encode(1048, 'цена 5€'))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encode(1048, 'ok 😀'))).toBe('JSON_BAD_DOCUMENT');
    expect(encode(1048, 'a?b')).toBe('613f62');
  });

  it('over-length is TLV_TOO_LONG both ways (1018: 12)', () => {
    expect(codeOf(() => encode(1018, '1234567890123'))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => decode(1018, '31'.repeat(13)))).toBe('TLV_TOO_LONG');
  });

  it('JSON that is not a string is JSON_BAD_DOCUMENT', () => {
    expect(codeOf(() => encode(1048, 5))).toBe('JSON_BAD_DOCUMENT');
  });
});

describe('bytes: base64 in JSON', () => {
  it('decodes to base64 and back', () => {
    expect(decode(1275, '00 01 fe ff')).toBe('AAH+/w==');
    expect(encode(1275, 'AAH+/w==')).toBe('0001feff');
  });

  it('refuses anything but canonical base64', () => {
    for (const bad of ['AAH+/w', 'AAH+/x==', 'AA H+', '!!!!', 5]) expect(codeOf(() => encode(1275, bad))).toBe('JSON_BAD_DOCUMENT');
  });

  it('over-length is TLV_TOO_LONG both ways (1275: 32)', () => {
    expect(codeOf(() => encode(1275, Buffer.alloc(33).toString('base64')))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => decode(1275, '00'.repeat(33)))).toBe('TLV_TOO_LONG');
  });
});

describe('fiscal sign 1077 (§5.1)', () => {
  const spec = def(1077);
  const sign = (bytes: string): number | null => {
    const b = hex(bytes);
    return decodeFiscalSign(spec, b, 0, b.length);
  };

  it('21 04 1c 6b 81 a4 prints as 476807588 (the last 4 bytes, BE)', () => {
    expect(sign('21 04 1c 6b 81 a4')).toBe(476807588);
    expect(sign('31 04 1c 6b 81 a4')).toBe(476807588);
  });

  it('encodes with the default prefix 21 04, or the one given', () => {
    expect(encodeFiscalSign(spec, 476807588, DEFAULT_FISCAL_SIGN_PREFIX).toString('hex')).toBe('21041c6b81a4');
    expect(encodeFiscalSign(spec, 1168453787, Uint8Array.of(0x31, 0x04)).toString('hex')).toBe('310445a5309b');
  });

  it('other lengths are refused; zero length is null', () => {
    expect(codeOf(() => sign('1c 6b 81 a4'))).toBe('TLV_BAD_VALUE');
    expect(codeOf(() => sign('21 04 1c 6b 81 a4 00'))).toBe('TLV_TOO_LONG');
    expect(sign('')).toBeNull();
    expect(encodeFiscalSign(spec, null, DEFAULT_FISCAL_SIGN_PREFIX)).toHaveLength(0);
  });
});

describe('zero-length values (§5: they occur for every type)', () => {
  const numberLike = [1054, 1056, 1213, 1038, 1012, 1020, 1023, 1055, 1205];

  it('decode to null for number-like types, "" for strings and bytes', () => {
    for (const tag of numberLike) expect([tag, decode(tag, '')]).toEqual([tag, null]);
    expect(decode(1048, '')).toBe('');
    expect(decode(1018, '')).toBe('');
    expect(decode(1275, '')).toBe('');
  });

  it('null and "" encode to zero bytes for every type', () => {
    for (const tag of [...numberLike, 1048, 1018, 1275]) {
      expect([tag, encode(tag, null)]).toEqual([tag, '']);
      expect([tag, encode(tag, '')]).toEqual([tag, '']);
    }
  });
});

describe('CP866 text longer than one document', () => {
  it('decodes beyond the scratch size (decodeFields on a large buffer)', () => {
    const big = Buffer.alloc(70_000, 0x80); // 'А'
    expect(decodeCp866(big, 0, big.length)).toBe('А'.repeat(70_000));
  });
});

describe('CP866 decoding two bytes at a time', () => {
  // The reference maps byte by byte through iconv-lite (which keeps 0x00–0x7F as ASCII, like the codec).
  const reference = (b: Buffer): string => iconv.decode(b, 'cp866');

  test.prop([fc.uint8Array({ maxLength: 2000, size: 'max' }), fc.nat(), fc.nat()], { numRuns: 300 })(
    'equals the byte-by-byte reference for any range: odd and even lengths and offsets',
    (bytes, a, b) => {
      const buf = Buffer.from(bytes);
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
      // Decode a longer range first, so the scratch holds bytes past the next (odd) range's end.
      decodeCp866(Buffer.alloc(2001, 0xaf), 0, 2001);
      expect(decodeCp866(buf, start, end)).toBe(reference(buf.subarray(start, end)));
    },
  );
});
