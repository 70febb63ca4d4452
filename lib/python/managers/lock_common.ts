/**
 * Small pieces every lock reader shares: parsing the TOML with a line
 * number in the error, reading loosely typed tables, and turning a local
 * path from a lock into the `./x` form pip is given, refusing paths that
 * leave the app directory. Pure.
 * @module
 */

import { parse } from "smol-toml";
import { isAbsolute, normalize } from "../../path.ts";
import { lockInvalid } from "../../errors.ts";
import type { LockedDistribution, LockIndex } from "./locked.ts";
import { byCodeUnit } from "../../compare.ts";

/** A TOML table as a record, or an empty one when the value is not a table. */
export function table(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
      !(value instanceof Date)
    ? value as Record<string, unknown>
    : {};
}

/** A TOML array of tables (anything else gives none). */
export function tables(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(table) : [];
}

/** A string value, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Parse a lock (or pyproject) as TOML.
 * @throws BuildpackError (lockInvalid) naming the file and the line
 */
export function parseTomlFile(
  text: string,
  options: { file: string; fix: string },
): Record<string, unknown> {
  try {
    return parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
  } catch (e) {
    const err = e as { message?: string; line?: number; column?: number };
    const where = err.line
      ? ` at line ${err.line}${err.column ? `, column ${err.column}` : ""}`
      : "";
    const first = (err.message ?? String(e)).split("\n")[0];
    throw lockInvalid(options.file, `is not valid TOML${where} (${first})`, options.fix);
  }
}

/**
 * `./x` for a path inside the app directory (a lock's paths are relative to
 * the project root, which is the app directory).
 * @throws BuildpackError (lockInvalid) when the path is absolute or leaves the app dir
 */
export function appRelativePath(
  path: string,
  options: { file: string; name: string; fix: string },
): string {
  const posixPath = path.replace(/\\/g, "/");
  const normal = normalize(posixPath);
  if (isAbsolute(posixPath) || /^[A-Za-z]:\//.test(posixPath) || normal.startsWith("..")) {
    throw lockInvalid(
      options.file,
      `installs ${options.name} from ${path}, which is outside the app directory ` +
        "(only the app directory is pushed, so staging cannot see it)",
      options.fix,
    );
  }
  const trimmed = normal.replace(/\/+$/, "");
  return trimmed === "." ? "." : `./${trimmed}`;
}

/** Distributions sorted by name, then version, as LockedInstall promises. */
export function sortDistributions(list: LockedDistribution[]): LockedDistribution[] {
  return [...list].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : byCodeUnit(a.version ?? "", b.version ?? "")
  );
}

/** The same index URL whatever trailing slash it was written with. */
export function sameIndexUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** Add `index` unless an index with the same URL is there already. */
export function addIndex(indexes: LockIndex[], index: LockIndex): void {
  if (!indexes.some((i) => sameIndexUrl(i.url, index.url))) indexes.push(index);
}
