// How a receipt operation's money counts towards a report's net total.
import type { ReportRow } from './report-query.js';

/**
 * Money of a receipt operation counts towards a net total with this sign: money in (приход, возврат расхода) plus, money
 * out (возврат прихода, расход) minus — «Итого» of 185 559,33 ₽ sales and 1 433,28 ₽ returns is 184 126,05 ₽.
 */
export const OPERATION_SIGN: Readonly<Record<number, 1 | -1>> = { 1: 1, 2: -1, 3: -1, 4: 1 };
export const operationSign = (row: ReportRow): 1 | -1 => OPERATION_SIGN[Number(row['operationType'])] ?? 1;
