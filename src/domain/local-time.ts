/**
 * FFD times are the local wall clock encoded as if it were UTC (§5). The ack's 1012 is the operator's local time; Russia
 * has kept fixed offsets without DST since 2014, so a fixed offset (Moscow, +180 min, by default) is exact.
 */
export const MOSCOW_UTC_OFFSET_MINUTES = 180;

export function localUnixSeconds(nowMs: number, utcOffsetMinutes: number): number {
  return Math.floor(nowMs / 1000) + utcOffsetMinutes * 60;
}
