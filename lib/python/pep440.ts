/**
 * PEP 440 versions and version specifiers, as pip (through `packaging`)
 * understands them: parsing with the PEP's normalisations, ordering, and
 * whether a version satisfies a specifier set. Pure.
 * @module
 */
import { byCodeUnit } from "../compare.ts";

/** A pre-release label after normalisation (`alpha` -> `a`, `c`/`pre`/`preview` -> `rc`). */
export type PreLabel = "a" | "b" | "rc";

/** A parsed PEP 440 version (`1!2.0.1rc1.post2.dev3+ubuntu.1`). */
export interface Pep440Version {
  /** `N!` prefix, 0 when absent. */
  epoch: number;
  /** The release segment, `[2, 0, 1]`; never empty. */
  release: number[];
  /** Pre-release (`rc1`), if any. */
  pre?: { label: PreLabel; number: number };
  /** Post-release number (`.post2`, or the implicit `-2`), if any. */
  post?: number;
  /** Development release number (`.dev3`), if any. */
  dev?: number;
  /** Local version label split at `.`/`-`/`_`, numeric parts as numbers; absent without `+`. */
  local?: (string | number)[];
}

// The PEP 440 (appendix B) regular expression, anchored; the text is trimmed first.
const VERSION = new RegExp(
  "^v?(?:(\\d+)!)?(\\d+(?:\\.\\d+)*)" +
    "(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?" +
    "(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?" +
    "(?:[-_.]?(dev)[-_.]?(\\d+)?)?" +
    "(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$",
  "i",
);

function preLabel(label: string): PreLabel {
  const lower = label.toLowerCase();
  if (lower === "a" || lower === "alpha") return "a";
  if (lower === "b" || lower === "beta") return "b";
  return "rc";
}

/**
 * Parse a PEP 440 version, applying the PEP's normalisations (case, a
 * leading `v`, `-`/`_`/`.` separators, `alpha`/`beta`/`c`/`pre`/`preview`
 * spellings, implicit numbers `1.0a` = `1.0a0`, implicit post `1.0-1`).
 * `undefined` when the text is not a PEP 440 version.
 */
export function parseVersion(text: string): Pep440Version | undefined {
  const m = VERSION.exec(text.trim());
  if (m === null) return undefined;
  const [, epoch, release, preL, preN, postImplicit, postL, postN, devL, devN, local] = m;
  const version: Pep440Version = {
    epoch: epoch === undefined ? 0 : Number(epoch),
    release: release.split(".").map(Number),
  };
  if (preL !== undefined) version.pre = { label: preLabel(preL), number: Number(preN ?? 0) };
  if (postImplicit !== undefined) version.post = Number(postImplicit);
  else if (postL !== undefined) version.post = Number(postN ?? 0);
  if (devL !== undefined) version.dev = Number(devN ?? 0);
  if (local !== undefined) {
    version.local = local.toLowerCase().split(/[-_.]/).map((part) =>
      /^\d+$/.test(part) ? Number(part) : part
    );
  }
  return version;
}

/** The normalised text of a parsed version (`1.0-r2` -> `1.0.post2`), as pip prints it. */
export function formatVersion(version: Pep440Version): string {
  let text = version.epoch === 0 ? "" : `${version.epoch}!`;
  text += version.release.join(".");
  if (version.pre !== undefined) text += `${version.pre.label}${version.pre.number}`;
  if (version.post !== undefined) text += `.post${version.post}`;
  if (version.dev !== undefined) text += `.dev${version.dev}`;
  if (version.local !== undefined) text += `+${version.local.join(".")}`;
  return text;
}

/** Whether the version is a pre-release (it has a pre-release or dev segment). */
export function isPrerelease(version: Pep440Version): boolean {
  return version.pre !== undefined || version.dev !== undefined;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

const PRE_RANK: Record<PreLabel, number> = { a: 0, b: 1, rc: 2 };

// Release segments compare as if padded with zeros, so 1.0 == 1.0.0.
function compareRelease(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return sign(d);
  }
  return 0;
}

// The pre-release key of packaging: a dev-only release (1.0.dev1) sorts before
// every pre-release of 1.0, a final/post release after all of them.
function preKey(v: Pep440Version): [number, number] {
  if (v.pre !== undefined) return [PRE_RANK[v.pre.label], v.pre.number];
  if (v.post === undefined && v.dev !== undefined) return [-Infinity, 0];
  return [Infinity, 0];
}

// Local labels: segment by segment, numbers above strings, a shorter prefix first.
function compareLocal(a?: (string | number)[], b?: (string | number)[]): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return sign(x - y);
    } else if (typeof x === "number") return 1;
    else if (typeof y === "number") return -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return sign(a.length - b.length);
}

/** PEP 440 order of two parsed versions: negative, zero or positive. */
export function compareParsed(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return sign(a.epoch - b.epoch);
  const release = compareRelease(a.release, b.release);
  if (release !== 0) return release;
  const [pa, pb] = [preKey(a), preKey(b)];
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return sign(pa[1] - pb[1]);
  const [posta, postb] = [a.post ?? -1, b.post ?? -1];
  if (posta !== postb) return sign(posta - postb);
  const [deva, devb] = [a.dev ?? Infinity, b.dev ?? Infinity];
  if (deva !== devb) return deva < devb ? -1 : 1;
  return compareLocal(a.local, b.local);
}

/**
 * Compare two version strings in PEP 440 order (`1.0.dev0 < 1.0a1 < 1.0 <
 * 1.0.post1`, `1.0 < 1.0+local`). Never throws: a string that is not a PEP
 * 440 version sorts before every version, and two such strings compare as
 * text, so sorting a manifest with odd entries stays consistent.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa !== undefined && pb !== undefined) return compareParsed(pa, pb);
  if (pa !== undefined) return 1;
  if (pb !== undefined) return -1;
  return byCodeUnit(a, b);
}

/** A specifier operator of PEP 440. */
export type SpecifierOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

/** One clause of a specifier set (`>=3.11`, `==3.12.*`). */
export interface Specifier {
  /** The operator. */
  operator: SpecifierOperator;
  /** The version as written, without the operator, spaces and `.*`. */
  version: string;
  /** Whether the clause ends in `.*` (only with `==` and `!=`). */
  wildcard: boolean;
  /** The parsed version; absent only for `===` with a text that is not PEP 440. */
  parsed?: Pep440Version;
}

/** A comma separated set of specifiers; a version must satisfy all of them. */
export interface SpecifierSet {
  /** The clauses in the order written; empty matches every (final) version. */
  specifiers: Specifier[];
}

/** A specifier text that is not PEP 440; the message says which clause and why. */
export class SpecifierError extends Error {
  /** The offending clause as written (the whole text when it has no clause). */
  readonly clause: string;

  /**
   * @param clause the offending clause
   * @param reason why it is wrong
   */
  constructor(clause: string, reason: string) {
    super(`invalid version specifier "${clause}": ${reason}`);
    this.name = "SpecifierError";
    this.clause = clause;
  }
}

const OPERATOR = /^(~=|===|==|!=|<=|>=|<|>)\s*(.*)$/s;
const OPERATORS_TEXT = "~=, ==, !=, <=, >=, <, >, ===";

function parseClause(clause: string): Specifier {
  const m = OPERATOR.exec(clause);
  if (m === null) {
    throw new SpecifierError(
      clause,
      `a clause must start with an operator (${OPERATORS_TEXT}), e.g. >=${clause.trim() || "1.0"}`,
    );
  }
  const operator = m[1] as SpecifierOperator;
  const rest = m[2].trim();
  if (rest === "") throw new SpecifierError(clause, `${operator} needs a version after it`);
  if (operator === "===") {
    if (/[\s,;]/.test(rest)) throw new SpecifierError(clause, "=== takes one word, no spaces");
    return { operator, version: rest, wildcard: false, parsed: parseVersion(rest) };
  }
  const wildcard = rest.endsWith(".*");
  const version = wildcard ? rest.slice(0, -2) : rest;
  const parsed = parseVersion(version);
  if (parsed === undefined) {
    throw new SpecifierError(clause, `"${rest}" is not a PEP 440 version`);
  }
  if (wildcard) {
    if (operator !== "==" && operator !== "!=") {
      throw new SpecifierError(clause, "a wildcard (.*) is only allowed with == and !=");
    }
    if (
      parsed.pre !== undefined || parsed.post !== undefined || parsed.dev !== undefined ||
      parsed.local !== undefined
    ) {
      throw new SpecifierError(clause, "a wildcard (.*) may only follow a release such as 3.11");
    }
  }
  if (parsed.local !== undefined && operator !== "==" && operator !== "!=") {
    throw new SpecifierError(clause, "a local version label (+...) is only allowed with == and !=");
  }
  if (operator === "~=" && parsed.release.length < 2) {
    throw new SpecifierError(
      clause,
      `~= needs at least two release numbers (write ~=${formatVersion(parsed)}.0 or ` +
        `>=${formatVersion(parsed)})`,
    );
  }
  return { operator, version, wildcard, parsed };
}

/**
 * Parse a PEP 440 specifier set: comma separated clauses with `~=`, `==`,
 * `!=`, `<=`, `>=`, `<`, `>`, `===`, wildcards `==3.11.*`/`!=3.12.*`,
 * whitespace anywhere between tokens. Empty clauses are skipped (as pip
 * does), so `""` is the set that matches every version.
 * @throws SpecifierError naming the wrong clause and why
 */
export function parseSpecifiers(text: string): SpecifierSet {
  const specifiers: Specifier[] = [];
  for (const raw of text.split(",")) {
    if (raw.trim() === "") continue;
    specifiers.push(parseClause(raw.trim()));
  }
  return { specifiers };
}

// Whether a clause names a pre-release, which lets the set accept pre-releases.
function namesPrerelease(spec: Specifier): boolean {
  return spec.operator !== "!=" && spec.parsed !== undefined && isPrerelease(spec.parsed);
}

function withoutLocal(v: Pep440Version): Pep440Version {
  return { ...v, local: undefined };
}

// `==3.11.*`: same epoch and, padded with zeros, the same leading release numbers.
function prefixMatches(prefix: Pep440Version, v: Pep440Version): boolean {
  if (prefix.epoch !== v.epoch) return false;
  return prefix.release.every((n, i) => (v.release[i] ?? 0) === n);
}

function equalMatches(spec: Specifier, v: Pep440Version): boolean {
  const wanted = spec.parsed!;
  if (spec.wildcard) return prefixMatches(wanted, v);
  // A specifier without a local label ignores the candidate's local label.
  const candidate = wanted.local === undefined ? withoutLocal(v) : v;
  return compareParsed(candidate, wanted) === 0;
}

// `===` compares the text as written (case-insensitively); every other operator needs a version.
function clauseContains(
  spec: Specifier,
  candidate: { parsed?: Pep440Version; text: string },
): boolean {
  const sv = spec.parsed;
  const v = candidate.parsed;
  if (spec.operator === "===") {
    return candidate.text.trim().toLowerCase() === spec.version.toLowerCase();
  }
  if (sv === undefined || v === undefined) return false;
  switch (spec.operator) {
    case "==":
      return equalMatches(spec, v);
    case "!=":
      return !equalMatches(spec, v);
    case "<=":
      return compareParsed(withoutLocal(v), sv) <= 0;
    case ">=":
      return compareParsed(withoutLocal(v), sv) >= 0;
    case "<":
      // `<3.13` must not let a pre-release of 3.13 (3.13.0rc1, 3.13.dev0) in,
      // unless the bound is a pre-release itself.
      if (compareParsed(v, sv) >= 0) return false;
      return isPrerelease(sv) || !isPrerelease(v) ||
        compareParsed(v, { ...sv, dev: 0, local: undefined }) < 0;
    case ">": {
      // `>3.11` must not let a post-release (3.11.post1) or a local version
      // (3.11+ubuntu) of 3.11 itself in, unless the bound is a post-release.
      if (compareParsed(v, sv) <= 0) return false;
      const postOf = { ...v, post: undefined, dev: undefined, local: undefined };
      if (sv.post === undefined && v.post !== undefined && compareParsed(postOf, sv) === 0) {
        return false;
      }
      return v.local === undefined || compareParsed(withoutLocal(v), sv) !== 0;
    }
    case "~=": {
      // ~=2.2.post3 is >=2.2.post3, ==2.*: the prefix drops the last release number.
      const prefix: Pep440Version = { epoch: sv.epoch, release: sv.release.slice(0, -1) };
      return compareParsed(withoutLocal(v), sv) >= 0 && prefixMatches(prefix, v);
    }
  }
}

/**
 * Whether `version` satisfies every clause of `set`, with PEP 440 semantics
 * (`~=3.11` is `>=3.11, ==3.*`; `==3.11` matches `3.11.0`; `<3.13` excludes
 * 3.13 pre-releases; `>3.11` excludes 3.11 post-releases). Pre-releases are
 * accepted only when `prereleases` is true, or, when it is not given, when a
 * clause names a pre-release. A version that is not PEP 440 can only match
 * `===` clauses (and the empty set, which matches anything).
 */
export function specifiersContain(
  set: SpecifierSet,
  version: string,
  options: { prereleases?: boolean } = {},
): boolean {
  const parsed = parseVersion(version);
  const candidate = { parsed, text: version };
  if (parsed === undefined) return set.specifiers.every((s) => clauseContains(s, candidate));
  const prereleases = options.prereleases ?? set.specifiers.some(namesPrerelease);
  if (!prereleases && isPrerelease(parsed)) return false;
  return set.specifiers.every((s) => clauseContains(s, candidate));
}

// Trailing zeros do not change what a clause means (>=3.0 is >=3), except for
// ~= (whose length sets the prefix) and wildcards (==3.0.* is not ==3.*).
function canonicalClause(spec: Specifier): string {
  if (spec.operator === "===" || spec.parsed === undefined) {
    return `===${spec.version.toLowerCase()}`;
  }
  if (spec.wildcard) return `${spec.operator}${formatVersion(spec.parsed)}.*`;
  if (spec.operator === "~=") return `~=${formatVersion(spec.parsed)}`;
  const release = [...spec.parsed.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  return `${spec.operator}${formatVersion({ ...spec.parsed, release })}`;
}

/**
 * A canonical text of a specifier set, for comparing sets written
 * differently (`>= 3.0 ,<4` and `<4,>=3` both give `<4,>=3`): each clause as
 * operator + normalised version (trailing `.0`s dropped where they do not
 * change the meaning), no spaces, duplicates dropped, sorted, joined by `,`.
 * @throws SpecifierError like {@link parseSpecifiers}
 */
export function normalizeSpecifiers(text: string): string {
  const clauses = new Set(parseSpecifiers(text).specifiers.map(canonicalClause));
  return [...clauses].sort().join(",");
}
