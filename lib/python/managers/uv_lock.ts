/**
 * Reading `uv.lock` into the list of distributions `uv sync --locked
 * --no-default-groups` would install for one CPython on Linux x86_64: the
 * packages reachable from the project's `dependencies` (no dependency group,
 * no extra of the project), with their hashes and sources. The lock is first
 * checked against pyproject.toml as `--locked` does (uv_lock_sync.ts). Pure.
 * @module
 */

import { lockInvalid } from "../../errors.ts";
import { normalizeName } from "../site_packages.ts";
import { markerHolds, targetEnvironment } from "./lock_markers.ts";
import {
  addIndex,
  appRelativePath,
  parseTomlFile,
  sortDistributions,
  str,
  table,
  tables,
} from "./lock_common.ts";
import type { LockedDistribution, LockedInstall, LockIndex } from "./locked.ts";
import { checkUvLockInSync } from "./uv_lock_sync.ts";
import type { MarkerEnvironment } from "../pep508.ts";

const FILE = "uv.lock";
const FIX = "Run `uv lock` in the app directory, commit the new uv.lock and push again.";

/** One `[[package]]` of uv.lock, as read. */
export interface UvPackage {
  /** Normalised name. */
  name: string;
  /** Locked version (absent for dynamic local trees). */
  version?: string;
  /** The `source` table. */
  source: Record<string, unknown>;
  /** The whole `[[package]]` table. */
  raw: Record<string, unknown>;
}

/** An edge `{ name, version?, source?, marker?, extra? }` of `dependencies`. */
interface Edge {
  name: string;
  version?: string;
  source?: Record<string, unknown>;
  marker?: string;
  extra: string[];
}

/** Parsed uv.lock: its packages and top-level fields (for the sync check too). */
export interface UvLock {
  /** `requires-python`. */
  requiresPython?: string;
  /** `resolution-markers` at top level (not used to pick; kept for notes). */
  packages: UvPackage[];
  /** `[manifest] members`, normalised. */
  members: string[];
}

/**
 * Parse and validate uv.lock's structure.
 * @throws BuildpackError (lockInvalid) for bad TOML, an unknown version, a package without name/source
 */
export function parseUvLock(lockText: string): UvLock {
  const doc = parseTomlFile(lockText, { file: FILE, fix: FIX });
  if (doc.version !== 1) {
    throw lockInvalid(
      FILE,
      `has lock format version ${
        JSON.stringify(doc.version ?? null)
      }; this buildpack reads version 1`,
      "Write it with a uv that produces version 1 (uv 0.4 and later): run `uv lock` and push again.",
    );
  }
  const packages = tables(doc.package).map((raw, i) => {
    const name = str(raw.name);
    if (!name) throw lockInvalid(FILE, `has a [[package]] (number ${i + 1}) without a name`, FIX);
    const source = table(raw.source);
    if (Object.keys(source).length === 0) {
      throw lockInvalid(FILE, `has package ${name} without a source`, FIX);
    }
    const version = str(raw.version);
    const local = ["editable", "directory", "virtual"].some((k) => k in source);
    if (!version && !local) {
      throw lockInvalid(FILE, `has package ${name} without a version`, FIX);
    }
    return { name: normalizeName(name), version, source, raw };
  });
  return {
    requiresPython: str(doc["requires-python"]),
    packages,
    members: (table(doc.manifest).members as unknown[] ?? []).filter((m) => typeof m === "string")
      .map((m) => normalizeName(m as string)),
  };
}

/** `requires-python` of uv.lock, or undefined (also when the lock cannot be parsed). */
export function uvLockRequiresPython(lockText: string): string | undefined {
  try {
    return parseUvLock(lockText).requiresPython;
  } catch {
    return undefined;
  }
}

function edgesOf(value: unknown): Edge[] {
  return tables(value).map((e) => ({
    name: normalizeName(str(e.name) ?? ""),
    version: str(e.version),
    source: e.source === undefined ? undefined : table(e.source),
    marker: str(e.marker),
    extra: Array.isArray(e.extra) ? e.extra.filter((x) => typeof x === "string") : [],
  }));
}

function sameSource(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** The locked package an edge means (a name may be locked once per resolution fork). */
function resolveEdge(lock: UvLock, edge: Edge, env: MarkerEnvironment): UvPackage {
  let candidates = lock.packages.filter((p) => p.name === edge.name);
  if (edge.version !== undefined) candidates = candidates.filter((p) => p.version === edge.version);
  if (edge.source) candidates = candidates.filter((p) => sameSource(p.source, edge.source!));
  if (candidates.length > 1) {
    // The edge names no version: the fork whose resolution-markers hold for the target.
    const forks = candidates.filter((p) => {
      const markers = Array.isArray(p.raw["resolution-markers"])
        ? (p.raw["resolution-markers"] as unknown[]).filter((m) => typeof m === "string")
        : [];
      return markers.length === 0 || markers.some((m) => markerHolds(m as string, env));
    });
    if (forks.length >= 1) candidates = forks.slice(0, 1);
  }
  if (candidates.length === 0) {
    throw lockInvalid(
      FILE,
      `names ${edge.name}${
        edge.version ? ` ${edge.version}` : ""
      } as a dependency but locks no such package`,
      FIX,
    );
  }
  return candidates[0];
}

function hashesOf(pkg: UvPackage): string[] {
  const files = [table(pkg.raw.sdist), ...tables(pkg.raw.wheels)];
  return [...new Set(files.map((f) => str(f.hash)).filter((h): h is string => !!h))].sort();
}

/** `https://host/repo?rev=x&subdirectory=y#<commit>` -> pip's `git+https://host/repo@<commit>#subdirectory=y`. */
function gitRequirement(name: string, git: string): string {
  const hash = git.indexOf("#");
  const commit = hash >= 0 ? git.slice(hash + 1) : "";
  const withoutFragment = hash >= 0 ? git.slice(0, hash) : git;
  const q = withoutFragment.indexOf("?");
  const base = q >= 0 ? withoutFragment.slice(0, q) : withoutFragment;
  const query = new URLSearchParams(q >= 0 ? withoutFragment.slice(q + 1) : "");
  if (!commit) {
    throw lockInvalid(FILE, `locks ${name} from git ${base} without a commit`, FIX);
  }
  const subdirectory = query.get("subdirectory");
  return `${name} @ git+${base.replace(/^git\+/, "")}@${commit}` +
    (subdirectory ? `#subdirectory=${subdirectory}` : "");
}

function distribution(pkg: UvPackage): LockedDistribution | undefined {
  const { name, version, source } = pkg;
  const at = (path: string) => appRelativePath(path, { file: FILE, name, fix: FIX });
  if (typeof source.registry === "string") {
    const hashes = hashesOf(pkg);
    if (hashes.length === 0) {
      throw lockInvalid(
        FILE,
        `locks ${name} ${version} from ${source.registry} without any hash`,
        FIX,
      );
    }
    return {
      name,
      version,
      kind: "registry",
      requirement: `${name}==${version}`,
      hashes,
      index: source.registry,
    };
  }
  if (typeof source.git === "string") {
    return {
      name,
      version,
      kind: "git",
      requirement: gitRequirement(name, source.git),
      hashes: [],
    };
  }
  if (typeof source.url === "string") {
    const sub = str(source.subdirectory);
    return {
      name,
      version,
      kind: "url",
      requirement: `${name} @ ${source.url}${sub ? `#subdirectory=${sub}` : ""}`,
      hashes: hashesOf(pkg),
    };
  }
  if (typeof source.path === "string") {
    return { name, version, kind: "path", requirement: at(source.path), hashes: hashesOf(pkg) };
  }
  if (typeof source.directory === "string") {
    return { name, version, kind: "directory", requirement: at(source.directory), hashes: [] };
  }
  if (typeof source.editable === "string") {
    return { name, version, kind: "editable", requirement: at(source.editable), hashes: [] };
  }
  if (typeof source.virtual === "string") return undefined; // nothing to build; deps still followed
  throw lockInvalid(
    FILE,
    `locks ${name} from a source this buildpack does not know: ${JSON.stringify(source)}`,
    FIX,
  );
}

function keyOf(pkg: UvPackage): string {
  return `${pkg.name} ${pkg.version ?? ""} ${JSON.stringify(pkg.source)}`;
}

/** The lock's `[[package]]` for the project itself, if any. */
export function rootPackage(lock: UvLock, projectName: string | undefined): UvPackage | undefined {
  if (!projectName) return undefined;
  const name = normalizeName(projectName);
  return lock.packages.find((p) =>
    p.name === name && Object.values(p.source).some((v) => v === ".")
  ) ?? lock.packages.find((p) => p.name === name);
}

/** The registry indexes: the project's `[[tool.uv.index]]` in order, then any others the lock names. */
function indexesOf(pyproject: Record<string, unknown>, lock: UvLock): LockIndex[] {
  const indexes: LockIndex[] = [];
  for (const index of tables(table(table(pyproject.tool).uv).index)) {
    const url = str(index.url);
    if (!url) continue;
    const name = str(index.name);
    const envName = name?.replace(/[^A-Za-z0-9]/g, "_").toUpperCase();
    addIndex(indexes, {
      ...(name ? { name } : {}),
      url,
      ...(envName
        ? {
          credentialEnv: {
            username: `UV_INDEX_${envName}_USERNAME`,
            password: `UV_INDEX_${envName}_PASSWORD`,
          },
        }
        : {}),
    });
  }
  for (const pkg of lock.packages) {
    if (typeof pkg.source.registry === "string") addIndex(indexes, { url: pkg.source.registry });
  }
  return indexes;
}

/**
 * What `uv sync --locked --no-default-groups` installs from uv.lock for
 * CPython `pythonFullVersion` on Linux x86_64.
 * @throws BuildpackError lockOutOfSync when the lock does not match pyproject.toml,
 *   lockInvalid when it cannot be read
 */
export function readUvLock(
  lockText: string,
  options: { pyproject: Record<string, unknown>; pythonFullVersion: string },
): LockedInstall {
  const lock = parseUvLock(lockText);
  const { pyproject } = options;
  const project = table(pyproject.project);
  const root = rootPackage(lock, str(project.name));
  checkUvLockInSync(lock, { pyproject, root });
  const env = targetEnvironment(options.pythonFullVersion);
  const notes: string[] = [];

  // Start points: the project's own edges, or every workspace member when the
  // root is not a project (uv syncs the whole workspace then).
  const starts: { pkg: UvPackage; extras: string[] }[] = [];
  if (root) {
    starts.push({ pkg: root, extras: [] });
  } else {
    for (const member of lock.members) {
      const pkg = lock.packages.find((p) => p.name === member);
      if (pkg) starts.push({ pkg, extras: [] });
    }
  }

  const seen = new Map<string, { pkg: UvPackage; extras: Set<string> }>();
  const queue = [...starts];
  let skipped = 0;
  while (queue.length) {
    const { pkg, extras } = queue.shift()!;
    const key = keyOf(pkg);
    let entry = seen.get(key);
    const fresh = !entry;
    if (!entry) {
      entry = { pkg, extras: new Set() };
      seen.set(key, entry);
    }
    const newExtras = extras.filter((e) => !entry!.extras.has(normalizeName(e)));
    newExtras.forEach((e) => entry!.extras.add(normalizeName(e)));
    const edges = fresh ? edgesOf(pkg.raw.dependencies) : [];
    const optional = table(pkg.raw["optional-dependencies"]);
    for (const extra of newExtras) {
      const group = Object.entries(optional).find(([k]) =>
        normalizeName(k) === normalizeName(extra)
      );
      if (group) edges.push(...edgesOf(group[1]));
      else notes.push(`uv.lock: ${pkg.name} has no extra "${extra}"; nothing added for it`);
    }
    for (const edge of edges) {
      if (!markerHolds(edge.marker, env)) {
        skipped++;
        continue;
      }
      queue.push({ pkg: resolveEdge(lock, edge, env), extras: edge.extra });
    }
  }

  const distributions: LockedDistribution[] = [];
  for (const { pkg } of seen.values()) {
    if (pkg === root) continue;
    const d = distribution(pkg);
    if (d) distributions.push(d);
  }
  let projectInstall: LockedInstall["project"];
  if (root) {
    if (typeof root.source.editable === "string") projectInstall = { editable: true };
    else if (typeof root.source.virtual === "string") {
      notes.push(
        "uv.lock: the project is virtual (not a package); only its dependencies are installed",
      );
    } else projectInstall = { editable: false };
  }
  notes.push(
    `uv.lock: ${distributions.length} of ${lock.packages.length} locked packages apply to ` +
      `CPython ${options.pythonFullVersion} on Linux x86_64 without dependency groups` +
      (skipped ? ` (${skipped} dependency edges skipped by their markers)` : ""),
  );
  return {
    lockFile: FILE,
    distributions: sortDistributions(distributions),
    ...(projectInstall ? { project: projectInstall } : {}),
    indexes: indexesOf(pyproject, lock),
    notes,
  };
}
