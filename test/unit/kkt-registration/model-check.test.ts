// The KKT / FN model check: names as manufacturers print them match the known list whatever the spelling; an unknown
// model is a warning naming the field; marked goods on an FN family without FFD 1.2 are refused, naming body.fn.model.
import { describe, expect, it } from 'vitest';
import { checkModels, fnFamilyOf, knownKktModel } from '../../../src/domain/kkt-registration/model-check.js';

const FN_12 = 'Шифровальное (криптографическое) средство защиты фискальных данных фискальный накопитель «ФН-1.2» исполнение Ин15-1';
const FN_11M = 'Шифровальное (криптографическое) средство защиты фискальных данных фискальный накопитель «ФН-1.1М исполнение Ин15-1М»';
const FN_11 = '«ФН-1.1» исполнение 5-15-2';

describe('model check', () => {
  it('recognises KKT models regardless of case, spaces, dashes and ё', () => {
    expect(knownKktModel('атол 30ф')).toBe('АТОЛ 30Ф');
    expect(knownKktModel('АТОЛ30Ф')).toBe('АТОЛ 30Ф');
    expect(knownKktModel('Штрих-М-01Ф')).toBe('ШТРИХ-М-01Ф');
    expect(knownKktModel('Evotor СТ2Ф')).toBe('Эвотор СТ2Ф');
    expect(knownKktModel('Касса Мечты 3000')).toBeUndefined();
  });

  it('finds the FN family inside the long register names, the longest version first', () => {
    expect(fnFamilyOf(FN_12)?.family).toBe('ФН-1.2');
    expect(fnFamilyOf(FN_11M)?.family).toBe('ФН-1.1М');
    expect(fnFamilyOf(FN_11)?.family).toBe('ФН-1.1');
    expect(fnFamilyOf('ФН-1 исполнение 13')?.family).toBe('ФН-1');
    expect(fnFamilyOf('ФН 1.2')?.family).toBe('ФН-1.2');
    expect(fnFamilyOf('накопитель')).toBeUndefined();
  });

  it('warns about unknown models, naming the field, and refuses marked goods without FFD 1.2', () => {
    expect(checkModels({ kkt: { model: 'АТОЛ 30Ф' }, fn: { model: FN_12 }, modes: { markedGoodsSign: true } })).toEqual([]);
    expect(checkModels({ kkt: { model: 'Касса Мечты 3000' }, fn: { model: FN_11M } }).map((f) => [f.path, f.severity, f.issue])).toEqual([
      ['body.kkt.model', 'warning', 'MODEL_UNKNOWN'],
    ]);
    expect(checkModels({ kkt: { model: 'АТОЛ 30Ф' }, fn: { model: 'какой-то' } }).map((f) => [f.path, f.severity])).toEqual([['body.fn.model', 'warning']]);
    const refused = checkModels({ kkt: { model: 'АТОЛ 30Ф' }, fn: { model: FN_11 }, modes: { markedGoodsSign: true } });
    expect(refused.map((f) => [f.path, f.severity, f.issue])).toEqual([['body.fn.model', 'error', 'FN_FFD_UNSUPPORTED']]);
    expect(refused[0]!.message).toContain('ФН-1.1М или ФН-1.2');
    expect(checkModels({ kkt: { model: 'АТОЛ 30Ф' }, fn: { model: FN_11 }, modes: { markedGoodsSign: false } })).toEqual([]);
  });
});
