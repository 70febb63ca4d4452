/**
 * Poetry's version constraints (`^3.1`, `~2.2`, `>=1,<2`, `1.2.*`,
 * `>=3.8 || <3`, `*`) tested against a version, by turning each into PEP 440
 * specifiers as poetry-core's `parse_constraint` means them. Needed for the
 * `python = "..."` of a dependency and to choose between a name locked twice.
 * Pure.
 * @module
 */

import { parseSpecifiers, specifiersContain } from "../pep440.ts";

function bump(release: number[], index: number): string {
  const out = release.slice(0, index + 1);
  out[index] += 1;
  return out.join(".");
}

/** One Poetry clause (`^1.2`, `~1.2.3`, `>=1`, `1.2.*`, `1.2`) as PEP 440 specifiers. */
function clauseToPep440(clause: string): string {
  const c = clause.trim();
  if (c === "" || c === "*") return "";
  const caret = c.match(/^\^\s*(\d+(?:\.\d+)*)(.*)$/);
  if (caret) {
    const release = caret[1].split(".").map(Number);
    const nonZero = release.findIndex((n) => n !== 0);
    const index = nonZero === -1 ? release.length - 1 : nonZero;
    return `>=${caret[1]}${caret[2]},<${bump(release, index)}`;
  }
  const tilde = c.match(/^~(?!=)\s*(\d+(?:\.\d+)*)(.*)$/);
  if (tilde) {
    const release = tilde[1].split(".").map(Number);
    return `>=${tilde[1]}${tilde[2]},<${bump(release, release.length === 1 ? 0 : 1)}`;
  }
  if (/^(==|!=|<=|>=|<|>|~=|===)/.test(c)) return c;
  if (/^=\s*\d/.test(c)) return `=${c}`;
  return `==${c}`;
}

/**
 * Whether `version` satisfies the Poetry constraint (any `||` alternative).
 * A constraint this cannot read is taken as satisfied (the lock was made by
 * Poetry, which read it).
 */
export function poetryConstraintAllows(constraint: string, version: string): boolean {
  return constraint.split("||").some((alternative) => {
    const clauses = alternative.trim()
      .replace(/([<>=!~^])\s+(?=\d)/g, "$1") // `>= 1.0` -> `>=1.0`
      .split(/\s*,\s*|\s+/)
      .filter((x) => x !== "");
    try {
      const text = clauses.map(clauseToPep440).filter((x) => x !== "").join(",");
      if (text === "") return true;
      return specifiersContain(parseSpecifiers(text), version, { prereleases: true });
    } catch {
      return true;
    }
  });
}
