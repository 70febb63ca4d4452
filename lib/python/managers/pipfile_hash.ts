/**
 * The `_meta.hash.sha256` Pipenv stores in `Pipfile.lock`, computed from the
 * parsed Pipfile exactly as Pipenv's vendored `plette.Pipfile.get_hash` does
 * (pipenv 2022.12.19), so a stale lock can be told from a fresh one without
 * Pipenv. Pure.
 * @module
 */

import { pythonJsonDumps, sha256Hex } from "./python_json.ts";

/** What Pipenv adds when a Pipfile has no `[[source]]` (plette's DEFAULT_SOURCE_TOML). */
const DEFAULT_SOURCES = [{ name: "pypi", url: "https://pypi.org/simple", verify_ssl: true }];

/** Tables that are not package categories; plette leaves them out of the hash. */
const NOT_CATEGORIES = new Set([
  "source",
  "packages",
  "dev-packages",
  "requires",
  "scripts",
  "pipfile",
  "pipenv",
  "default",
  "develop",
]);

/**
 * sha256 (hex) of the Pipfile as Pipenv hashes it: sources, requires,
 * `default`/`develop` packages and every other package category, values as
 * written (an unexpanded `${VAR}` stays), `json.dumps(sort_keys=True,
 * separators=(",", ":"))`.
 */
export function pipfileHash(pipfile: Record<string, unknown>): string {
  const data: Record<string, unknown> = {
    _meta: {
      sources: pipfile.source ?? DEFAULT_SOURCES,
      requires: pipfile.requires ?? {},
    },
    default: pipfile.packages ?? {},
    develop: pipfile["dev-packages"] ?? {},
  };
  for (const [category, values] of Object.entries(pipfile)) {
    if (!NOT_CATEGORIES.has(category)) data[category] = values;
  }
  return sha256Hex(pythonJsonDumps(data, { item: ",", key: ":" }));
}
