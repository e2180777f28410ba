// Document TLV ⇄ FNS JSON (§9) on the shared vectors and on documents assembled here byte by byte.
import { describe, expect, it } from 'vitest';
import {
  decodeDocument,
  decodeFields,
  encodeDocument,
  encodeDocumentFields,
  type FieldObject,
  IGNORED_DOCUMENT_FIELDS,
  MAX_STLV_DEPTH,
} from '../../../protocol/document-json.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { readTlvs } from '../../../protocol/tlv.js';
import { fixtureHex, fixtureJson } from '../../support/fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u16 = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
/** A TLV built without the code under test: tag LE, length LE, value. */
const tlv = (tag: number, ...value: Buffer[]): Buffer => {
  const v = Buffer.concat(value);
  return Buffer.concat([u16(tag), u16(v.length), v]);
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('synthetic registration report (vectors/container-fiscalReport-synthetic.hex)', () => {
  const container = fixtureHex('vectors/container-fiscalReport-synthetic.hex');
  const CONTAINER_HEADER = 32;
  const length = container.readUInt16BE(30); // §2.1: document length, BE, at header bytes 30..31
  const documentTlv = container.subarray(CONTAINER_HEADER, CONTAINER_HEADER + length);
  const decoded = decodeDocument(documentTlv);
  const report = decoded.json.fiscalReport!;

  it('has a 263-byte document TLV of form 1', () => {
    expect(length).toBe(263);
    expect(decoded.form).toBe(1);
    expect(decoded.formName).toBe('fiscalReport');
    expect(Object.keys(decoded.json)).toEqual(['fiscalReport']);
    expect(report.code).toBe(1);
  });

  it('carries the README facts: ФП 476807588 from 21 04 1c 6b 81 a4, user ООО "МММ", FD 1, 2016-04-13T14:14:00', () => {
    expect(report.fiscalSign).toBe(476807588);
    expect(decoded.fiscalSignRaw?.toString('hex')).toBe('21041c6b81a4');
    expect(report.user).toBe('ООО "МММ"');
    expect(report.fiscalDocumentNumber).toBe(1);
    expect(report.dateTime).toBe('2016-04-13T14:14:00');
  });

  it('reads the other fields as the bytes say', () => {
    expect(report).toMatchObject({
      fiscalDriveNumber: '999907891234567 ', // 1041 is "fixed": kept as sent
      kktRegId: '120000130000', // 20 bytes, space-padded
      userInn: '112233445566',
      autoMode: 0,
      offlineMode: 0,
      encryptionSign: 0,
      taxationType: 1,
      paymentAgentType: 0,
      retailPlaceAddress: 'Москва, Зеленый проспект, д.66 корп. 2',
      ofdName: 'ОФД-тест',
      ofdSite: 'www.ofd.ru',
      fnsUrl: 'www.nalog.ru',
      operator: 'СИС. АДМИНИСТРАТОР',
      kktNumber: '0620000001',
    });
  });

  it('keeps the two FFD 1.0 tags without FNS names raw: 1058 and 1049', () => {
    expect(report.tlv1058).toBe(Buffer.of(0).toString('base64'));
    expect(report.tlv1049).toBe(Buffer.from('111234').toString('base64'));
  });

  it('re-encodes to the identical bytes', () => {
    expect(encodeDocument(decoded.json).equals(documentTlv)).toBe(true);
  });
});

describe('real FNS receipt (vectors/fns-receipt-ffd12.json)', () => {
  const sample = fixtureJson<Record<string, unknown>>('vectors/fns-receipt-ffd12.json');
  const wire = encodeDocument({ receipt: sample });
  const decoded = decodeDocument(wire);
  const receipt = decoded.json.receipt!;

  it('decodes back to every tag-backed field of the sample', () => {
    const expected: Record<string, unknown> = { ...sample };
    // Metadata without tags: the FNS's own record (metadata, redefine_mask, numberKkt, region) and the container's
    // trailer sign (messageFiscalSign). The encoder skips them by name, so they cannot come back.
    for (const k of IGNORED_DOCUMENT_FIELDS) delete expected[k];
    // FNS JSON keeps the space padding of rpad_space fields; §9 trims it (re-padded on encode).
    expected.userInn = (sample.userInn as string).trimEnd();
    expected.kktRegId = (sample.kktRegId as string).trimEnd();
    expect(receipt).toEqual(expected);
    expect(Object.keys(sample).filter((k) => !(k in receipt)).sort()).toEqual(
      ['messageFiscalSign', 'metadata', 'numberKkt', 'redefine_mask', 'region'],
    );
  });

  it('writes TLVs that match bytes built by hand', () => {
    const has = (b: Buffer): boolean => wire.includes(b);
    expect(wire.subarray(0, 2).toString('hex')).toBe('0300'); // form 3
    expect(has(hex('fc 03 03 00 09 f6 01'))).toBe(true); // 1020 totalSum 128521
    expect(has(hex('35 04 06 00 21 04 45 a5 30 9b'))).toBe(true); // 1077 fiscalSign 1168453787, prefix 21 04
    expect(has(tlv(1012, u32(Date.UTC(2024, 8, 17, 18, 1, 0) / 1000)))).toBe(true); // dateTime, local as if UTC
    expect(has(tlv(1048, hex('8e 8e 8e 20 22 80 a3 e0 ae e2 ae e0 a3 22')))).toBe(true); // ООО "Агроторг"
    expect(has(tlv(1018, ascii('7825706086  ')))).toBe(true); // userInn padded to 12
    expect(has(tlv(1037, ascii('0007795807005569    ')))).toBe(true); // kktRegId padded to 20
    expect(has(tlv(1023, hex('03 aa 09')))).toBe(true); // quantity 2.474
    expect(has(tlv(1209, hex('04')))).toBe(true); // fiscalDocumentFormatVer 4 = FFD 1.2
    const props = sample.properties as { propertyName: string; propertyValue: string };
    expect(has(tlv(1084, tlv(1085, ascii(props.propertyName)), tlv(1086, ascii(props.propertyValue))))).toBe(true);
  });

  it('writes items as six 1059 STLVs and decodes them as an array of six', () => {
    expect(readTlvs(wire, 4).filter((t) => t.tag === 1059)).toHaveLength(6);
    expect(receipt.items).toHaveLength(6);
  });

  it('re-encodes its own decoding to the identical bytes', () => {
    expect(encodeDocument(decoded.json).equals(wire)).toBe(true);
  });
});

describe('documents assembled byte by byte', () => {
  it('operator acknowledgement, form 7, in the real tag order of §3.3', () => {
    const doc = tlv(
      7,
      tlv(1017, ascii('7704211201  ')),
      tlv(1078, hex('88 06 01 02 03 04 05 06')),
      tlv(1041, ascii('9999078902013267')),
      tlv(1040, u32(17)),
      tlv(1012, u32(1460556840)),
      tlv(1068, tlv(1022, hex('0e'))),
    );
    const d = decodeDocument(doc);
    expect(d.json).toEqual({
      operatorAck: {
        code: 7,
        ofdInn: '7704211201',
        tlv1078: hex('88 06 01 02 03 04 05 06').toString('base64'), // ФПО has no FNS name
        fiscalDriveNumber: '9999078902013267',
        fiscalDocumentNumber: 17,
        dateTime: '2016-04-13T14:14:00',
        messageToFn: { ofdResponseCode: 14 },
      },
    });
    expect(d.fiscalSignRaw).toBeUndefined();
    expect(encodeDocument(d.json).equals(doc)).toBe(true);
  });

  it('closeShift counters: totalSum inside 1129 is 1201; prepaidSum inside 1145 is 1218 (§5)', () => {
    const doc = tlv(
      5,
      tlv(1012, u32(0)),
      tlv(1157, tlv(1134, u32(3)), tlv(1129, tlv(1135, u32(2)), tlv(1201, hex('10 27')), tlv(1218, hex('05')))),
      tlv(1158, tlv(1133, tlv(1145, tlv(1201, hex('01')), tlv(1218, hex('02'))))),
    );
    const d = decodeDocument(doc).json.closeShift!;
    expect(d).toEqual({
      code: 5,
      dateTime: '1970-01-01T00:00:00',
      fiscalDriveSumReports: { totalReceiptBsoCount: 3, sellOper: { receiptBsoCount: 2, totalSum: 10000, prepaidSum: 5 } },
      notTransmittedDocumentsSumReports: { receiptCorrection: { sellCorrection: { totalSum: 1, prepaidSum: 2 } } },
    });
    expect(encodeDocument({ closeShift: d }).equals(doc)).toBe(true);
  });

  it('a tag whose name would mean its twin here stays raw: 1201 at document level, 1020 inside 1129', () => {
    const doc = tlv(3, tlv(1020, hex('64')), tlv(1201, hex('c8')), tlv(1157, tlv(1129, tlv(1020, hex('01')))));
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({
      code: 3,
      totalSum: 100,
      tlv1201: Buffer.of(0xc8).toString('base64'),
      fiscalDriveSumReports: { sellOper: { tlv1020: Buffer.of(1).toString('base64') } },
    });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('receiptCorrection (form 31): 1174 сorrectionBase with nested unixtime and string', () => {
    const doc = tlv(
      31,
      tlv(1173, hex('01')),
      tlv(1174, tlv(1178, u32(1460505600)), tlv(1179, Buffer.from('8d2e31', 'hex'))),
      tlv(1054, hex('01')),
    );
    const d = decodeDocument(doc);
    expect(d.formName).toBe('receiptCorrection');
    expect(d.json.receiptCorrection).toEqual({
      code: 31,
      correctionType: 1,
      '\u0441orrectionBase': { correctionDocumentDate: '2016-04-13T00:00:00', correctionDocumentNumber: 'Н.1' },
      operationType: 1,
    });
    expect(encodeDocument(d.json).equals(doc)).toBe(true);
  });

  it('marking forms 81–84 decode with every field raw (no FNS names)', () => {
    const doc = tlv(81, tlv(2000, ascii('0104600000000000')), tlv(2001, u32(5)));
    const d = decodeDocument(doc);
    expect(d.formName).toBe('form81');
    expect(d.json).toEqual({
      form81: { code: 81, tlv2000: ascii('0104600000000000').toString('base64'), tlv2001: u32(5).toString('base64') },
    });
    expect(encodeDocument(d.json).equals(doc)).toBe(true);
  });

  it('repeatable tags are arrays even once; a once-only tag sent twice becomes an array, losing nothing', () => {
    const doc = tlv(3, tlv(1059, tlv(1030, ascii('A'))), tlv(1048, ascii('X')), tlv(1048, ascii('Y')), tlv(1048, ascii('Z')));
    const d = decodeDocument(doc).json.receipt!;
    expect(d.items).toEqual([{ name: 'A' }]);
    expect(d.user).toEqual(['X', 'Y', 'Z']);
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('unknown tags, repeated and nested, are kept as tlv<tag> base64 and written back', () => {
    const doc = tlv(3, tlv(9999, hex('01 02')), tlv(1059, tlv(60000, hex('')), tlv(1030, ascii('A'))), tlv(9999, hex('03')));
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({ code: 3, tlv9999: ['AQI=', 'Aw=='], items: [{ tlv60000: '', name: 'A' }] });
    // Repeats are grouped on encode (JSON key order): same content, tag 9999's TLVs now adjacent.
    const again = encodeDocument({ receipt: d });
    expect(again.equals(tlv(3, tlv(9999, hex('01 02')), tlv(9999, hex('03')), tlv(1059, tlv(60000, hex('')), tlv(1030, ascii('A')))))).toBe(true);
  });

  it('zero-length values of every kind decode to null / "" / {} and re-encode to zero length', () => {
    const doc = tlv(3, tlv(1020, hex('')), tlv(1048, hex('')), tlv(1018, hex('')), tlv(1077, hex('')), tlv(1084, hex('')), tlv(1012, hex('')));
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({ code: 3, totalSum: null, user: '', userInn: '', fiscalSign: null, properties: {}, dateTime: null });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('keeps a 31 04 fiscal sign through decode → encode when given the raw prefix', () => {
    const doc = tlv(3, tlv(1077, hex('31 04 45 a5 30 9b')));
    const d = decodeDocument(doc);
    expect(d.json.receipt!.fiscalSign).toBe(1168453787);
    expect(encodeDocument(d.json).equals(doc)).toBe(false); // default 21 04
    expect(encodeDocument(d.json, { fiscalSignPrefix: d.fiscalSignRaw!.subarray(0, 2) }).equals(doc)).toBe(true);
  });

  it('decodeFields reads a bare STLV value', () => {
    expect(decodeFields(tlv(1022, hex('00')), 1068)).toEqual({ ofdResponseCode: 0 });
  });

  it('decodes a document the same way every time, also once its key sequences have compiled constructors', () => {
    // Repeats (adjacent and not), tags beyond the dictionary, shared names at both levels, zero lengths, nesting.
    const doc = tlv(
      3,
      tlv(9999, hex('01 02')),
      tlv(1020, hex('64')),
      tlv(1201, hex('c8')),
      tlv(1059, tlv(60000, hex('')), tlv(1030, ascii('A')), tlv(1023, hex('03 e6 09')), tlv(60000, hex('05'))),
      tlv(1048, ascii('X')),
      tlv(1059, tlv(1030, ascii('B')), tlv(1079, hex(''))),
      tlv(1157, tlv(1129, tlv(1020, hex('01')), tlv(1201, hex('02')))),
      tlv(1048, ascii('Y')),
      tlv(9999, hex('03')),
      tlv(1077, hex('21 04 1c 6b 81 a4')),
    );
    const expected = {
      code: 3,
      tlv9999: ['AQI=', 'Aw=='],
      totalSum: 100,
      tlv1201: 'yA==',
      items: [{ tlv60000: ['', 'BQ=='], name: 'A', quantity: 2.534 }, { name: 'B', price: null }],
      user: ['X', 'Y'],
      fiscalDriveSumReports: { sellOper: { tlv1020: 'AQ==', totalSum: 2 } },
      fiscalSign: 476807588,
    };
    const first = JSON.stringify(decodeDocument(doc).json);
    expect(JSON.parse(first)).toEqual({ receipt: expected });
    for (let i = 0; i < 300; i++) {
      const d = decodeDocument(doc);
      expect(JSON.stringify(d.json)).toBe(first);
      expect(Object.getPrototypeOf(d.json.receipt)).toBe(Object.prototype);
      expect(Object.getPrototypeOf((d.json.receipt!.items as FieldObject[])[1])).toBe(Object.prototype);
      expect(d.fiscalSignRaw?.toString('hex')).toBe('21041c6b81a4');
    }
    // The same tags as a bare STLV's fields (decodeFields, STLV names): 1201 is totalSum there, 1020 raw.
    const nested = tlv(1129, tlv(1020, hex('01')), tlv(1201, hex('02')));
    for (let i = 0; i < 300; i++) expect(decodeFields(nested, 1157)).toEqual({ sellOper: { tlv1020: 'AQ==', totalSum: 2 } });
    // …and under a form, where 1020 is totalSum and 1201 raw.
    const flat = Buffer.concat([tlv(1020, hex('01')), tlv(1201, hex('02'))]);
    for (let i = 0; i < 300; i++) expect(decodeFields(flat, 3)).toEqual({ totalSum: 1, tlv1201: 'Ag==' });
  });
});

describe('FFD versions: the tags each one adds (1209: 1 = 1.0 … 4 = 1.2)', () => {
  const cp866 = (s: string): Buffer => Buffer.from([...s].map((c) => ({ ш: 0xe8, т: 0xe2, С: 0x91, к: 0xaa, и: 0xa8, д: 0xa4, а: 0xa0 })[c] ?? c.charCodeAt(0)));

  it('FFD 1.0 receipt: no 1209, items with 1112 modifiers (1.0-only tags)', () => {
    const doc = tlv(3, tlv(1059, tlv(1030, ascii('X')), tlv(1112, tlv(1113, cp866('Скидка')), tlv(1064, hex('64')))));
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({ code: 3, items: [{ name: 'X', modifiers: [{ discountName: 'Скидка', discountSum: 100 }] }] });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('FFD 1.05 receipt: 1209 = 2, items with 1162 productCode (bytes → base64) and 1197 unit', () => {
    const doc = tlv(3, tlv(1209, hex('02')), tlv(1059, tlv(1162, hex('00 05 01 02')), tlv(1197, cp866('шт')), tlv(1214, hex('04'))));
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({
      code: 3,
      fiscalDocumentFormatVer: 2,
      items: [{ productCode: hex('00 05 01 02').toString('base64'), unit: 'шт', paymentType: 4 }],
    });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('FFD 1.1 receipt: 1209 = 3, buyer, buyerInn padded to 12, excise, country code', () => {
    const doc = tlv(
      3,
      tlv(1209, hex('03')),
      tlv(1227, ascii('Ivanov')),
      tlv(1228, ascii('500100732259')),
      tlv(1059, tlv(1229, hex('0a')), tlv(1230, ascii('643')), tlv(1231, ascii('10702070/1'))),
    );
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({
      code: 3,
      fiscalDocumentFormatVer: 3,
      buyer: 'Ivanov',
      buyerInn: '500100732259',
      items: [{ exciseDuty: 10, originCountryCode: '643', customEntryNum: '10702070/1' }],
    });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });

  it('FFD 1.2 receipt: 1163 product code, 1291 fractional quantity, 1256 buyer, 1270 with its own dateTime (1273)', () => {
    const doc = tlv(
      3,
      tlv(1209, hex('04')),
      tlv(1012, u32(1726596060)),
      tlv(
        1059,
        tlv(1163, tlv(1302, ascii('4600000000000'))),
        tlv(1291, tlv(1292, ascii('1/3')), tlv(1293, hex('01')), tlv(1294, hex('03'))),
        tlv(2108, hex('00')),
      ),
      tlv(1256, tlv(1227, ascii('Petrov')), tlv(1243, ascii('01.02.1990'))),
      tlv(1270, tlv(1271, hex('01')), tlv(1272, ascii('op')), tlv(1273, u32(1460556840))),
    );
    const d = decodeDocument(doc).json.receipt!;
    expect(d).toEqual({
      code: 3,
      fiscalDocumentFormatVer: 4,
      dateTime: '2024-09-17T18:01:00',
      items: [
        {
          productCodeNew: { ean13: '4600000000000' },
          labeledProdFractionalQuantity: { fractionalPart: '1/3', numerator: 1, denominator: 3 },
          itemsQuantityMeasure: 0,
        },
      ],
      buyerInformation: { buyer: 'Petrov', buyerBirthday: '01.02.1990' },
      operationalDetails: { operationId: 1, operationData: 'op', dateTime: '2016-04-13T14:14:00' },
    });
    expect(encodeDocument({ receipt: d }).equals(doc)).toBe(true);
  });
});

describe('decode errors', () => {
  it('TLV_TRUNCATED for short headers and values, at every level', () => {
    expect(codeOf(() => decodeDocument(hex('03 00 01')))).toBe('TLV_TRUNCATED');
    expect(codeOf(() => decodeDocument(hex('03 00 05 00 01 02')))).toBe('TLV_TRUNCATED');
    expect(codeOf(() => decodeDocument(tlv(3, hex('fc 03 03 00 09'))))).toBe('TLV_TRUNCATED');
    expect(codeOf(() => decodeDocument(tlv(3, tlv(1059, hex('1e 04 05')))))).toBe('TLV_TRUNCATED');
  });

  it('TLV_BAD_VALUE for a tag that is not a form, or bytes after the document', () => {
    expect(codeOf(() => decodeDocument(tlv(1020, hex('01'))))).toBe('TLV_BAD_VALUE');
    expect(codeOf(() => decodeDocument(Buffer.concat([tlv(3), hex('00')])))).toBe('TLV_BAD_VALUE');
  });

  it('TLV_TOO_LONG over the form maximum (form 7: 512) and over an STLV maximum (1084: 320)', () => {
    expect(codeOf(() => decodeDocument(tlv(7, tlv(9999, Buffer.alloc(600)))))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => decodeDocument(tlv(3, tlv(1084, tlv(9999, Buffer.alloc(400))))))).toBe('TLV_TOO_LONG');
  });

  it('TLV_BAD_VALUE for STLVs nested past MAX_STLV_DEPTH (1059 in 1059 in …)', () => {
    let nested = tlv(1059);
    for (let i = 1; i < MAX_STLV_DEPTH; i++) nested = tlv(1059, nested);
    expect(codeOf(() => decodeDocument(tlv(3, nested)))).toBeUndefined();
    expect(codeOf(() => decodeDocument(tlv(3, tlv(1059, nested))))).toBe('TLV_BAD_VALUE');
    let deep = tlv(1059);
    for (let i = 0; i < 250; i++) deep = tlv(1059, deep);
    expect(codeOf(() => decodeDocument(tlv(3, deep)))).toBe('TLV_BAD_VALUE');
  });

  it('TLV_BAD_VALUE for a value of the wrong size, with its offset', () => {
    let err: unknown;
    try {
      decodeDocument(tlv(3, tlv(1038, hex('01 02 03'))));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('TLV_BAD_VALUE');
    expect((err as ProtocolError).offset).toBe(8);
  });
});

describe('encode errors and rules', () => {
  it('skips the listed metadata fields and `code`; refuses any other unknown field', () => {
    const meta = { metadata: { id: 1 }, redefine_mask: 0, messageFiscalSign: '1', rawData: 'AA==', numberKkt: '1', region: '27' };
    expect(encodeDocument({ receipt: { code: 3, ...meta } }).equals(tlv(3))).toBe(true);
    expect(codeOf(() => encodeDocument({ receipt: { code: 3, colour: 'red' } }))).toBe('JSON_BAD_DOCUMENT');
    // …and only at document level
    expect(codeOf(() => encodeDocument({ receipt: { items: [{ region: '27' }] } }))).toBe('JSON_BAD_DOCUMENT');
  });

  it('needs exactly one known form key, and `code` must agree with it', () => {
    expect(codeOf(() => encodeDocument({}))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encodeDocument({ receipt: {}, bso: {} }))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encodeDocument({ invoice: {} }))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encodeDocument({ receipt: { code: 4 } }))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encodeDocument({ receipt: [] }))).toBe('JSON_BAD_DOCUMENT');
    expect(codeOf(() => encodeDocumentFields(1020, {}))).toBe('JSON_BAD_DOCUMENT');
  });

  it('takes raw keys only in canonical form', () => {
    expect(encodeDocument({ receipt: { tlv9999: 'AQI=' } }).equals(tlv(3, tlv(9999, hex('01 02'))))).toBe(true);
    for (const key of ['tlv09999', 'tlv70000', 'tlv', 'TLV9999']) {
      expect([key, codeOf(() => encodeDocument({ receipt: { [key]: 'AQI=' } }))]).toEqual([key, 'JSON_BAD_DOCUMENT']);
    }
  });

  it('refuses JSON nested past MAX_STLV_DEPTH', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i <= MAX_STLV_DEPTH; i++) deep = { properties: deep };
    expect(codeOf(() => encodeDocument({ receipt: deep }))).toBe('JSON_BAD_DOCUMENT');
  });

  it('names the JSON path of a bad value', () => {
    const json = { receipt: { items: [{ quantity: 1 }, { quantity: -1 }] } };
    expect(() => encodeDocument(json)).toThrow(/receipt\.items\[1\]\.quantity/);
  });

  it('TLV_TOO_LONG when an STLV or the form outgrows its maximum', () => {
    const longName = 'я'.repeat(64);
    expect(codeOf(() => encodeDocument({ receipt: { properties: { propertyName: longName, propertyValue: 'я'.repeat(256) } } }))).toBe('TLV_TOO_LONG');
    expect(codeOf(() => encodeDocument({ operatorAck: { tlv9999: Buffer.alloc(600).toString('base64') } }))).toBe('TLV_TOO_LONG');
  });

  it('accepts a single object where an array is expected and null as an empty STLV', () => {
    const doc = encodeDocument({ receipt: { items: { name: 'A' }, properties: null } });
    expect(doc.equals(tlv(3, tlv(1059, tlv(1030, ascii('A'))), tlv(1084)))).toBe(true);
  });
});
