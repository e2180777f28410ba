/** The registration form's values, their conversion to the API's application, and the API's field paths mapped back. */
import type { ApplicationInput } from '../api/applications';

export interface FormValues {
  organizationId: number;
  kktModel: string;
  kktSerial: string;
  fnModel: string;
  fnSerial: string;
  taxAuthorityCode: string;
  regionCode: string;
  postalCode?: string;
  retailPlaceAddress: string;
  retailPlace: string;
  modes: string[];
  machineNumber?: string;
  lastName: string;
  firstName: string;
  middleName?: string;
}

/** The form's values → the API's application (registration). */
export function toApplication(v: FormValues): ApplicationInput {
  const modes = Object.fromEntries(v.modes.map((m) => [m, true]));
  return {
    kind: 'registration',
    kkt: { model: v.kktModel, serialNumber: v.kktSerial.trim() },
    fn: { model: v.fnModel, serialNumber: v.fnSerial.trim() },
    place: {
      taxAuthorityCode: v.taxAuthorityCode,
      regionCode: v.regionCode,
      retailPlaceAddress: v.retailPlaceAddress,
      retailPlace: v.retailPlace,
      ...(v.postalCode ? { postalCode: v.postalCode } : {}),
    },
    modes: { ...modes, ...(v.machineNumber ? { machineNumber: v.machineNumber } : {}) },
    signer: { role: '1', lastName: v.lastName, firstName: v.firstName, ...(v.middleName ? { middleName: v.middleName } : {}) },
  } as ApplicationInput;
}

/** API field paths (body.kkt.serialNumber) → the form's fields. */
export const FIELD_OF: Record<string, keyof FormValues> = {
  'body.kkt.serialNumber': 'kktSerial',
  'body.kkt.model': 'kktModel',
  'body.fn.serialNumber': 'fnSerial',
  'body.fn.model': 'fnModel',
  'body.place.taxAuthorityCode': 'taxAuthorityCode',
  'body.place.regionCode': 'regionCode',
  'body.place.postalCode': 'postalCode',
  'body.place.retailPlaceAddress': 'retailPlaceAddress',
  'body.place.retailPlace': 'retailPlace',
  'body.modes.machineNumber': 'machineNumber',
  'body.modes.offlineMode': 'modes',
};
