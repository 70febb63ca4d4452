/**
 * Reading Pipenv's `Pipfile.lock` (JSON) into the distributions its
 * `default` section installs for one CPython on Linux x86_64: markers
 * evaluated here (so a win32-only package is left out rather than handed to
 * pip), hashes kept, VCS at the locked ref, local paths inside the app.
 * Sources become indexes with `${VAR}`/`$VAR` expanded from the staging
 * environment, as Pipenv does. Pure.
 * @module
 */

import { pipfileLockUnusable } from "../../errors.ts";
import { expandEnv, LockProblem } from "./pipfile_sources.ts";
import { normalizeName } from "../site_packages.ts";
import { markerHolds, targetEnvironment } from "./lock_markers.ts";
import { addIndex, appRelativePath, sortDistributions, str, table } from "./lock_common.ts";
import type { LockedDistribution, LockedInstall, LockIndex } from "./locked.ts";

const FILE = "Pipfile.lock";
const FIX = "Run `pipenv lock` in the app directory and push the new Pipfile.lock.";

function hashesOf(entry: Record<string, unknown>, name: string): string[] {
  const hashes = Array.isArray(entry.hashes) ? entry.hashes : [];
  for (const h of hashes) {
    if (typeof h !== "string" || !/^[a-z0-9]+:[0-9a-f]+$/.test(h)) {
      throw new LockProblem(`package "${name}" has a malformed hash ${JSON.stringify(h)}`);
    }
  }
  return [...new Set(hashes as string[])].sort();
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function distribution(
  name: string,
  entry: Record<string, unknown>,
  context: { sources: Map<string, string>; notes: string[] },
): LockedDistribution {
  const version = str(entry.version)?.replace(/^==/, "");
  const at = (path: string) => appRelativePath(path, { file: FILE, name, fix: FIX });
  if (typeof entry.git === "string") {
    if (!str(entry.ref)) {
      throw new LockProblem(`package "${name}" is a git checkout without a "ref"`);
    }
    if (entry.editable === true) {
      context.notes.push(
        `Pipfile.lock: ${name} is an editable git checkout; installed non-editable`,
      );
    }
    const sub = str(entry.subdirectory);
    return {
      name,
      ...(version ? { version } : {}),
      kind: "git",
      requirement: `${name} @ git+${entry.git.replace(/^git\+/, "")}@${entry.ref}` +
        (sub ? `#subdirectory=${sub}` : ""),
      hashes: [],
    };
  }
  const where = str(entry.path) ?? str(entry.file);
  if (where !== undefined) {
    if (isUrl(where) && !where.startsWith("file:")) {
      return {
        name,
        kind: "url",
        requirement: `${name} @ ${where}`,
        hashes: hashesOf(entry, name),
      };
    }
    const local = at(where.replace(/^file:\/\//, ""));
    if (entry.editable === true) return { name, kind: "editable", requirement: local, hashes: [] };
    const archive = /\.(whl|tar\.gz|zip|tar\.bz2|tgz)$/i.test(local);
    return archive
      ? { name, kind: "path", requirement: local, hashes: hashesOf(entry, name) }
      : { name, kind: "directory", requirement: local, hashes: [] };
  }
  if (!version) throw new LockProblem(`package "${name}" has no "version"`);
  if (!/^==?[^=<>!~]/.test(str(entry.version)!)) {
    throw new LockProblem(`package "${name}" is not pinned ("version": "${entry.version}")`);
  }
  const hashes = hashesOf(entry, name);
  if (hashes.length === 0) throw new LockProblem(`package "${name}" has no "hashes"`);
  const index = str(entry.index) ? context.sources.get(str(entry.index)!) : undefined;
  return {
    name,
    version: version.replace(/^=/, ""),
    kind: "registry",
    requirement: `${name}==${version.replace(/^=/, "")}`,
    hashes,
    ...(index
      ? { index }
      : context.sources.size
      ? { index: [...context.sources.values()][0] }
      : {}),
  };
}

function readLock(
  lockText: string,
  options: { env: Record<string, string | undefined>; pythonFullVersion: string },
): LockedInstall {
  let lock: unknown;
  try {
    lock = JSON.parse(lockText.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new LockProblem(`it is not valid JSON (${(e as Error).message})`);
  }
  if (typeof lock !== "object" || lock === null || Array.isArray(lock)) {
    throw new LockProblem("it is not a JSON object");
  }
  const doc = lock as Record<string, unknown>;
  const meta = table(doc._meta);
  const indexes: LockIndex[] = [];
  const sources = new Map<string, string>();
  const notes: string[] = [];
  if (meta.sources !== undefined && !Array.isArray(meta.sources)) {
    throw new LockProblem(`"_meta.sources" is not a list`);
  }
  ((meta.sources ?? []) as unknown[]).forEach((s, i) => {
    const source = table(s);
    if (typeof source.url !== "string") {
      throw new LockProblem(`"_meta.sources[${i}]" has no "url" string`);
    }
    const url = expandEnv(source.url, options.env);
    const name = str(source.name);
    if (name) sources.set(name, url);
    const untrusted = source.verify_ssl === false ? { trustedHost: true } : {};
    addIndex(indexes, { ...(name ? { name } : {}), url, ...untrusted });
    if (source.verify_ssl === false) {
      notes.push(`Pipfile.lock: source ${name ?? url} has verify_ssl = false (--trusted-host)`);
    }
  });
  const deflt = doc.default;
  if (
    deflt !== undefined && (typeof deflt !== "object" || deflt === null || Array.isArray(deflt))
  ) {
    throw new LockProblem(`"default" is not an object of packages`);
  }
  const env = targetEnvironment(options.pythonFullVersion);
  const distributions: LockedDistribution[] = [];
  let skipped = 0;
  for (const [rawName, raw] of Object.entries(table(deflt))) {
    if (typeof raw !== "object" || raw === null) {
      throw new LockProblem(`package "${rawName}" is not an object`);
    }
    const entry = raw as Record<string, unknown>;
    if (!markerHolds(str(entry.markers), env)) {
      skipped++;
      continue;
    }
    distributions.push(distribution(normalizeName(rawName), entry, { sources, notes }));
  }
  notes.push(
    `Pipfile.lock: ${distributions.length} default packages for CPython ${options.pythonFullVersion}` +
      (skipped ? ` (${skipped} left out by their markers)` : ""),
  );
  return { lockFile: FILE, distributions: sortDistributions(distributions), indexes, notes };
}

/**
 * The `default` packages of Pipfile.lock for CPython `pythonFullVersion` on
 * Linux x86_64; `env` expands `${VAR}` in source URLs.
 * @throws BuildpackError (pipfileLockUnusable) when the lock is malformed or a variable is unset
 */
export function readPipfileLock(
  lockText: string,
  options: {
    env: Record<string, string | undefined>;
    pythonFullVersion: string;
    /** The name errors give the lock (default `Pipfile.lock`). */
    file?: string;
  },
): LockedInstall {
  try {
    return readLock(lockText, options);
  } catch (e) {
    if (e instanceof LockProblem) throw pipfileLockUnusable(options.file ?? FILE, e.message);
    throw e;
  }
}
