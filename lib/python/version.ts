/**
 * Matching a Python version request (`3.11`, `python-3.11.x`, `>=3.11`,
 * `~3.11`, `3.13.x || 3.11.x`) against the versions a manifest offers, with
 * node-semver semantics (`~3.11` is `>=3.11.0 <3.12.0`). Pure.
 * @module
 */
// @deno-types="@types/semver"
import semver from "semver";

/** The request is not a version or a version range (e.g. `abc`). */
export class ImproperConstraint extends Error {
  /** The offending request, normalized. */
  readonly constraint: string;

  /** @param constraint the request as normalized */
  constructor(constraint: string) {
    super(`improper constraint: ${constraint}`);
    this.name = "ImproperConstraint";
    this.constraint = constraint;
  }
}

function normalizePart(part: string): string {
  const bare = part.trim().replace(/^python-?/i, "").replace(/\s*,\s*/g, " ").trim();
  return /^\d+(\.\d+)?$/.test(bare) ? `${bare}.x` : bare;
}

/**
 * Strip a leading `python-`/`python` and whitespace, and turn a bare
 * `3.11` into `3.11.x` and `3` into `3.x` (in every `||` alternative).
 * Commas (`>=3.11,<3.13`, as in PEP 440) become spaces (both must hold).
 * Ranges and exact versions are kept.
 */
export function normalizeRequest(raw: string): string {
  return raw.split("||").map(normalizePart).join(" || ");
}

/**
 * A manifest version as strict semver: `3.11.9` as is, `25.2` as `25.2.0`;
 * `undefined` for anything else.
 */
export function toSemver(version: string): string | undefined {
  const valid = semver.valid(version);
  if (valid !== null) return valid;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(version.trim());
  return match ? `${match[1]}.${match[2] ?? 0}.0` : undefined;
}

/** Compare two manifest versions (semver first, then text), for sorting. */
export function compareVersions(a: string, b: string): number {
  const sa = toSemver(a);
  const sb = toSemver(b);
  if (sa !== undefined && sb !== undefined) return semver.compare(sa, sb) || a.localeCompare(b);
  if (sa !== undefined) return 1;
  if (sb !== undefined) return -1;
  return a.localeCompare(b);
}

/** Whether a normalized request is a usable semver range. */
function isValidRange(range: string): boolean {
  if (range.split("||").some((part) => part.trim() === "")) return false;
  return semver.validRange(range) !== null;
}

/** Whether `version` lies in `range` (`3.10.x`); false for invalid input. */
export function satisfies(version: string, range: string): boolean {
  const parsed = toSemver(version);
  const normalized = normalizeRequest(range);
  return parsed !== undefined && isValidRange(normalized) && semver.satisfies(parsed, normalized);
}

/**
 * The highest of `available` satisfying `request` (normalized first), or
 * `undefined` when none does.
 * @throws ImproperConstraint when the request is not a version or range
 */
export function matchVersion(request: string, available: string[]): string | undefined {
  const range = normalizeRequest(request);
  if (!isValidRange(range)) throw new ImproperConstraint(range || request.trim());
  let best: { raw: string; parsed: string } | undefined;
  for (const raw of available) {
    const parsed = toSemver(raw);
    if (parsed === undefined || !semver.satisfies(parsed, range)) continue;
    if (best === undefined || semver.gt(parsed, best.parsed)) best = { raw, parsed };
  }
  return best?.raw;
}
