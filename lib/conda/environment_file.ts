/**
 * What the buildpack itself reads from a conda `environment.yml`: only
 * whether it asks for a Python version (for the warning about version files
 * that conda ignores). Installing it is conda's job. Pure.
 * @module
 */
import { parse } from "yaml";

import { ENVIRONMENT_FILE } from "./uses_conda.ts";
export { ENVIRONMENT_FILE };

/** Version files of the pip path that conda ignores. */
export const IGNORED_VERSION_FILES = ["runtime.txt", ".python-version"] as const;

/** `[channel::]name[ version spec]` of a conda match spec string. */
const MATCH_SPEC = /^\s*(?:[^\s:]+::)?([A-Za-z0-9_.\-]+)\s*(.*)$/;

/**
 * The version constraint a conda dependency puts on Python (`=3.11`,
 * `>=3.10`, `3.11.*`, `[version='>=3.10']`), or `undefined` when the entry is
 * not Python or names no version.
 */
export function pythonConstraint(spec: string): string | undefined {
  const m = MATCH_SPEC.exec(spec);
  if (!m || m[1].toLowerCase() !== "python") return undefined;
  const rest = m[2].trim();
  return rest === "" ? undefined : rest;
}

/**
 * Whether environment.yml pins a Python version in `dependencies:`. Text
 * that is not YAML (conda itself reports that) falls back to the official
 * buildpack's test: the text contains `python=`.
 */
export function setsPython(text: string): boolean {
  let doc: unknown;
  try {
    doc = parse(text, { schema: "failsafe", logLevel: "error" });
  } catch {
    return text.includes("python=");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
  const deps = (doc as Record<string, unknown>).dependencies;
  if (!Array.isArray(deps)) return false;
  return deps.some((d) => typeof d === "string" && pythonConstraint(d) !== undefined);
}

/**
 * Warnings about version files next to environment.yml: the official
 * buildpack's text when both name a Python version, and a note that the file
 * is ignored when only it does.
 * @param presentFiles which of {@link IGNORED_VERSION_FILES} the app has
 */
export function versionFileWarnings(presentFiles: string[], environmentYml: string): string[] {
  const pinned = setsPython(environmentYml);
  return presentFiles.map((file) =>
    pinned
      ? `you have specified the version of Python runtime both in '${file}' and '${ENVIRONMENT_FILE}'. You should remove one of the two versions`
      : `${file} is ignored: the app has an ${ENVIRONMENT_FILE}, so conda installs the Python ` +
        `it names. Add a version such as python=3.11 to its dependencies and remove ${file}.`
  );
}
