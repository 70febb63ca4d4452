/**
 * Matching a Python version request against the versions a manifest offers.
 * Requests follow PEP 440 (`>=3.10,<3.13`, `~=3.12.0`, `==3.11.*`,
 * `!=3.12.0`), as `requires-python` does, and keep the forms Cloud Foundry
 * users write in runtime.txt: a bare line (`3.11`, `3.11.x`, `3.x`), a
 * `python-` prefix, npm's tilde (`~3.11` is 3.11.x), space separated
 * clauses (`>=3.11 <3.13`) and `||` between alternatives. Pure.
 * @module
 */
import {
  compareVersions as comparePep440,
  parseSpecifiers,
  parseVersion,
  SpecifierError,
  specifiersContain,
  type SpecifierSet,
} from "./pep440.ts";
import { byCodeUnit } from "../compare.ts";

/** The request is not a version or a version range (e.g. `abc`, `^3.12`). */
export class ImproperConstraint extends Error {
  /** The offending request, normalized. */
  readonly constraint: string;
  /** What to write instead, when the request is a known foreign form (`^3.12`). */
  readonly hint?: string;

  /**
   * @param constraint the request as normalized
   * @param hint what to write instead, if known
   */
  constructor(constraint: string, hint?: string) {
    super(`improper constraint: ${constraint}` + (hint ? ` (${hint})` : ""));
    this.name = "ImproperConstraint";
    this.constraint = constraint;
    if (hint !== undefined) this.hint = hint;
  }
}

function normalizePart(part: string): string {
  const bare = part.trim().replace(/^python-?/i, "").replace(/\s*,\s*/g, " ").trim();
  return /^\d+(\.\d+)?$/.test(bare) ? `${bare}.x` : bare;
}

/**
 * Strip a leading `python-`/`python` and whitespace, and turn a bare
 * `3.11` into `3.11.x` and `3` into `3.x` (in every `||` alternative).
 * Commas (`>=3.11,<3.13`) become spaces (both must hold). The text shown
 * to users in messages; matching does not depend on it.
 */
export function normalizeRequest(raw: string): string {
  return raw.split("||").map(normalizePart).join(" || ");
}

/** Compare two manifest versions in PEP 440 order (then as text, for a stable sort). */
export function compareVersions(a: string, b: string): number {
  return comparePep440(a, b) || byCodeUnit(a, b);
}

// A bare line with npm/CF wildcards: `3`, `3.11`, `3.x`, `3.11.x`, `3.11.*`, `3.x.x`, `*`.
const BARE_LINE = /^(\d+(?:\.\d+)*)?((?:\.?[xX*])+)?$/;

// One clause of a request as PEP 440 clauses; `undefined` when it is no clause we know.
function clauseToPep440(clause: string): string[] | undefined {
  const bare = BARE_LINE.exec(clause);
  if (bare !== null && (bare[1] !== undefined || bare[2] !== undefined)) {
    if (bare[1] === undefined) return []; // `*` / `x`: any version
    const numbers = bare[1].split(".");
    // A full `3.11.7` is exact; anything shorter (or with .x) is a line.
    if (bare[2] === undefined && numbers.length >= 3) return [`==${bare[1]}`];
    if (bare[2] !== undefined && !bare[2].startsWith(".")) return undefined;
    return [`==${bare[1]}.*`];
  }
  const tilde = /^~(?!=)\s*(\d+(?:\.\d+)*)((?:\.[xX*])*)$/.exec(clause);
  if (tilde !== null) {
    // npm tilde: ~3.11 and ~3.11.7 stay on 3.11, ~3 on 3.
    const numbers = tilde[1].split(".");
    const line = numbers.slice(0, Math.min(2, numbers.length)).join(".");
    return numbers.length === 1 ? [`==${line}.*`] : [`>=${tilde[1]}`, `==${line}.*`];
  }
  // Any other PEP 440 version (`3.14.0rc1`) is asked for exactly.
  if (/^\d/.test(clause) && parseVersion(clause) !== undefined) return [`==${clause}`];
  // npm's `=3.11` is the line 3.11; PEP 440 has no single `=`.
  if (/^=\s*\d/.test(clause)) return clauseToPep440(clause.replace(/^=\s*/, ""));
  // PEP 440 clauses go through as written (pep440 judges them); npm's
  // `==3.11.x` is PEP 440's `==3.11.*`.
  if (/^(~=|===|==|!=|<=|>=|<|>)/.test(clause)) return [clause.replace(/(?:\.[xX])+$/, ".*")];
  return undefined;
}

function caretHint(clause: string): string | undefined {
  const m = /^\^\s*(\d+)(?:\.(\d+))?/.exec(clause);
  if (m === null) return undefined;
  const [major, minor] = [m[1], m[2] ?? "0"];
  const lower = m[2] === undefined ? major : `${major}.${minor}`;
  return `^ is Poetry/npm syntax, not PEP 440: write >=${lower},<${Number(major) + 1}` +
    ` or ~=${major}.${minor}`;
}

/** A request as PEP 440 specifier sets, one per `||` alternative (any may hold). */
function parseRequest(request: string): SpecifierSet[] {
  const normalized = normalizeRequest(request);
  const improper = (hint?: string) => new ImproperConstraint(normalized || request.trim(), hint);
  const alternatives: SpecifierSet[] = [];
  for (const alternative of request.split("||")) {
    // Glue operators to their version (`>= 3.11`), then split at commas and spaces.
    const text = alternative.trim().replace(/^python-?/i, "")
      .replace(/(~=|===|==|!=|<=|>=|<|>|~|\^|=)\s+/g, "$1");
    const clauses = text.split(/[\s,]+/).filter((c) => c !== "");
    if (clauses.length === 0) throw improper();
    const pep440: string[] = [];
    for (const clause of clauses) {
      const hint = caretHint(clause);
      if (hint !== undefined) throw improper(hint);
      const translated = clauseToPep440(clause);
      if (translated === undefined) throw improper();
      pep440.push(...translated);
    }
    try {
      alternatives.push(parseSpecifiers(pep440.join(",")));
    } catch (error) {
      if (!(error instanceof SpecifierError)) throw error;
      throw improper(error.message);
    }
  }
  return alternatives;
}

function contains(alternatives: SpecifierSet[], version: string): boolean {
  return alternatives.some((set) => specifiersContain(set, version));
}

/** Whether `version` lies in `range` (`3.10.x`, `>=3.10,<3.13`); false for invalid input. */
export function satisfies(version: string, range: string): boolean {
  if (parseVersion(version) === undefined) return false;
  try {
    return contains(parseRequest(range), version);
  } catch (error) {
    if (error instanceof ImproperConstraint) return false;
    throw error;
  }
}

/**
 * The highest of `available` satisfying `request`, or `undefined` when none
 * does. Pre-releases only match a request that names one.
 * @throws ImproperConstraint when the request is not a version or range
 * (with a hint for Poetry's `^3.12`)
 */
export function matchVersion(request: string, available: string[]): string | undefined {
  const alternatives = parseRequest(request);
  let best: string | undefined;
  for (const version of available) {
    if (parseVersion(version) === undefined || !contains(alternatives, version)) continue;
    if (best === undefined || compareVersions(version, best) > 0) best = version;
  }
  return best;
}
