// The prefill of a re-registration from what we know of the register, and the application's signer against the
// certificate's owner: pure functions, expected values written out by hand.
import { describe, expect, it } from 'vitest';
import { prefillApplication } from '../../../src/domain/kkt-registration/prefill.js';
import { signerNameMismatch } from '../../../src/domain/kkt-registration/signer-match.js';

describe('prefill', () => {
  it('takes the models and tax office from the last application, and what the register printed from its report', () => {
    const p = prefillApplication({
      kktRegId: '0001000001057967',
      registerId: 5,
      lastApplication: {
        id: 3,
        kind: 'registration',
        input: {
          kkt: { model: 'АТОЛ 30Ф', serialNumber: '00106107300777' },
          fn: { model: 'ФН-1.2', serialNumber: '9999078900077701' },
          place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'старый адрес', retailPlace: 'Магазин' },
          modes: { markedGoodsSign: true },
          signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
        },
      },
      lastRegistrationReport: {
        fn: '9999078900077702',
        fiscalDocumentNumber: 1,
        dateTime: '2026-12-05T09:01:00',
        fiscalSign: '1109277351',
        form: 11,
        fields: { kktNumber: '00106107300777', retailPlaceAddress: 'новый адрес', retailPlace: 'Склад', offlineMode: 0, internetSign: 1, paymentAgentType: 4, autoMode: 0 },
      },
      closingReport: { fn: '9999078900077701', fiscalDocumentNumber: 412, dateTime: '2026-12-04T21:05:00', fiscalSign: '3522466391' },
      replacementReport: { fn: '9999078900077702', fiscalDocumentNumber: 1, dateTime: '2026-12-05T09:01:00', fiscalSign: '1109277351' },
    });
    expect(p.application).toEqual({
      kktRegId: '0001000001057967',
      kkt: { model: 'АТОЛ 30Ф', serialNumber: '00106107300777' },
      fn: { model: 'ФН-1.2', serialNumber: '9999078900077702' },
      place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'новый адрес', retailPlace: 'Склад' },
      modes: { markedGoodsSign: true, offlineMode: false, internetSign: true, automaticDeviceSign: false, bankPaymentAgentSign: false, paymentAgentSign: true },
      signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
    });
    expect(p.closingReport).toEqual({ dateTime: '2026-12-04T21:05:00', fiscalDocumentNumber: 412, fiscalSign: '3522466391' });
    expect(p.replacementFn).toBe('9999078900077702');
    expect(p.sources).toEqual(['заявление № 3', 'отчёт об изменении параметров регистрации ФД № 1']);
  });
});

describe('the signer against the certificate', () => {
  it('matches surname and first name regardless of case and ё; a certificate without them is not judged', () => {
    expect(signerNameMismatch({ lastName: 'Семёнов', firstName: 'пётр' }, { surname: 'СЕМЕНОВ', givenName: 'Петр Ильич' })).toBeUndefined();
    expect(signerNameMismatch({ lastName: 'Иванов', firstName: 'Иван' }, {})).toBeUndefined();
    expect(signerNameMismatch({ lastName: 'Иванов', firstName: 'Иван' }, { surname: 'Петров', givenName: 'Пётр Петрович' })).toBe('в заявлении: Иванов Иван, в сертификате: Петров Пётр Петрович');
    expect(signerNameMismatch({ lastName: 'Иванов', firstName: 'Иван' }, { surname: 'Иванов', givenName: 'Игорь Иванович' })).toBe('в заявлении: Иванов Иван, в сертификате: Иванов Игорь Иванович');
  });
});
