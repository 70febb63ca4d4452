/**
 * String order for sorting: by UTF-16 code unit, the same on every machine.
 * Not `localeCompare`: its first call loads ICU's collator, ~10 ms of a
 * phase's run (measured: 8-11 ms for a first three-string sort).
 * @module
 */

/** `a` before `b` by code unit: -1, 0 or 1. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
