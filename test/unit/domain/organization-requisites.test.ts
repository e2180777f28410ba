// Requisites on published examples: the requisites of well-known companies as printed in their public disclosures and
// the ЕГРЮЛ extract, and the OGRNIP example of the FNS's own forms; invalid ones are the same with a digit changed.
import { describe, expect, it } from 'vitest';
import { isValidInn } from '../../../src/domain/inn.js';
import { isValidKpp, isValidOgrn, isValidOgrnip, requisiteProblems } from '../../../src/domain/organization-requisites.js';

const COMPANIES = [
  // ПАО Сбербанк, ПАО «Газпром», ООО «ЯНДЕКС», АО «ТБанк»
  { inn: '7707083893', kpp: '773601001', ogrn: '1027700132195' },
  { inn: '7736050003', kpp: '772801001', ogrn: '1027700070518' },
  { inn: '7736207543', kpp: '770401001', ogrn: '1027700229193' },
  { inn: '7710140679', kpp: '771301001', ogrn: '1027739642281' },
];

describe('published requisites', () => {
  it.each(COMPANIES)('accepts $inn / $kpp / $ogrn', (c) => {
    expect(isValidInn(c.inn)).toBe(true);
    expect(isValidKpp(c.kpp)).toBe(true);
    expect(isValidOgrn(c.ogrn)).toBe(true);
    expect(requisiteProblems(c.inn, c.kpp, c.ogrn)).toEqual([]);
  });

  it('accepts an individual entrepreneur: 12-digit INN, no KPP, 15-digit OGRNIP', () => {
    expect(isValidInn('500100732259')).toBe(true);
    expect(isValidOgrnip('304500116000157')).toBe(true);
    expect(requisiteProblems('500100732259', null, '304500116000157')).toEqual([]);
  });

  it('accepts a KPP with a letter reason code (since 2013)', () => {
    expect(isValidKpp('7736AB001')).toBe(true);
  });
});

describe('invalid requisites', () => {
  it.each(['1027700132196', '1027700132194', '102770013219', '10277001321950', '0027700132195', '102770013219a'])('refuses OGRN %s', (ogrn) => {
    expect(isValidOgrn(ogrn)).toBe(false);
  });

  it.each(['304500116000158', '30450011600015', '1027700132195', '004500116000157'])('refuses OGRNIP %s', (ogrnip) => {
    expect(isValidOgrnip(ogrnip)).toBe(false);
  });

  it.each(['77360100', '7736010011', '773a01001', '7736ab001', ' 773601001'])('refuses KPP %j', (kpp) => {
    expect(isValidKpp(kpp)).toBe(false);
  });

  it.each(['7707083894', '770708389', '500100732258', '50010073225'])('refuses INN %s', (inn) => {
    expect(isValidInn(inn)).toBe(false);
  });

  it('names the field: a legal entity without KPP, with an OGRNIP; an entrepreneur with a KPP, with an OGRN', () => {
    expect(requisiteProblems('7707083893', null, '304500116000157').map((p) => p.field)).toEqual(['kpp', 'ogrn']);
    expect(requisiteProblems('500100732259', '773601001', '1027700132195').map((p) => p.field)).toEqual(['kpp', 'ogrn']);
  });
});
