/**
 * Reading `poetry.lock` into the list of distributions `poetry sync --only
 * main` installs for one CPython on Linux x86_64. Lock version 2.1 says per
 * package which groups need it and under which marker (Poetry installs from
 * that without resolving); older locks (2.0, 1.x) are walked from the
 * project's main dependencies through each package's dependencies, with
 * markers, `python`, `platform`, optional packages and extras applied. The
 * lock's content-hash is first checked against pyproject.toml. Pure.
 * @module
 */

import { lockInvalid, lockOutOfSync } from "../../errors.ts";
import { markerToString, parseRequirement } from "../pep508.ts";
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
import { poetryLockIsFresh } from "./poetry_content_hash.ts";
import { poetryConstraintAllows } from "./poetry_constraint.ts";
import type { MarkerEnvironment } from "../pep508.ts";

export { poetryContentHash } from "./poetry_content_hash.ts";

const FILE = "poetry.lock";
const FIX = "Run `poetry lock` in the app directory, commit the new poetry.lock and push again.";
const PYPI = "https://pypi.org/simple";

/** Poetry's own refusal, kept as the first line so logs grep the same. */
export const POETRY_STALE_LINE =
  "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock` to fix the lock file.";

interface PoetryPackage {
  name: string;
  version: string;
  raw: Record<string, unknown>;
}

/** A dependency as Poetry writes it (pyproject or lock), reduced to what selection needs. */
interface Dependency {
  name: string;
  constraint: string;
  marker?: string;
  python?: string;
  platform?: string;
  optional: boolean;
  extras: string[];
}

/** `name = "*"`, `name = {version, markers, ...}` or a list of those, as dependencies. */
function dependenciesOf(deps: Record<string, unknown>): Dependency[] {
  const out: Dependency[] = [];
  for (const [name, value] of Object.entries(deps)) {
    const variants = Array.isArray(value) ? value : [value];
    for (const v of variants) {
      if (typeof v === "string") {
        out.push({ name: normalizeName(name), constraint: v, optional: false, extras: [] });
        continue;
      }
      const t = table(v);
      out.push({
        name: normalizeName(name),
        constraint: str(t.version) ?? "*",
        marker: str(t.markers),
        python: str(t.python),
        platform: str(t.platform),
        optional: t.optional === true,
        extras: Array.isArray(t.extras) ? t.extras.map(String).map(normalizeName) : [],
      });
    }
  }
  return out;
}

function applies(
  dep: Dependency,
  target: { env: MarkerEnvironment; python: string; extras: string[] },
): boolean {
  if (dep.python && !poetryConstraintAllows(dep.python, target.python)) return false;
  if (dep.platform && dep.platform !== target.env.sys_platform) return false;
  return markerHolds(dep.marker, target.env, target.extras);
}

/** The project's main dependencies: `[project] dependencies` (Poetry 2) or `[tool.poetry.dependencies]`. */
function rootDependencies(pyproject: Record<string, unknown>): Dependency[] {
  const project = table(pyproject.project);
  const poetryDeps = table(table(table(pyproject.tool).poetry).dependencies);
  if (Array.isArray(project.dependencies)) {
    // [tool.poetry.dependencies] only adds detail (sources, markers) to these in Poetry 2.
    const detail = dependenciesOf(poetryDeps);
    return project.dependencies.filter((d) => typeof d === "string").map((line) => {
      const req = parseRequirement(line as string);
      const extra = detail.find((d) => d.name === req.normalizedName);
      return {
        name: req.normalizedName,
        constraint: req.specifier || "*",
        marker: req.marker ? markerToString(req.marker) : extra?.marker,
        python: extra?.python,
        platform: extra?.platform,
        optional: false,
        extras: req.extras,
      };
    });
  }
  return dependenciesOf(poetryDeps).filter((d) => d.name !== "python" && !d.optional);
}

function hashesOf(pkg: PoetryPackage): string[] {
  const files = tables(pkg.raw.files);
  return [...new Set(files.map((f) => str(f.hash)).filter((h): h is string => !!h))].sort();
}

function distribution(pkg: PoetryPackage): LockedDistribution {
  const { name, version } = pkg;
  const source = table(pkg.raw.source);
  const type = str(source.type);
  const url = str(source.url) ?? "";
  const at = (path: string) => appRelativePath(path, { file: FILE, name, fix: FIX });
  if (!type || type === "legacy") {
    const hashes = hashesOf(pkg);
    const index = type ? url : PYPI;
    if (hashes.length === 0) {
      throw lockInvalid(FILE, `locks ${name} ${version} from ${index} without any file hash`, FIX);
    }
    return { name, version, kind: "registry", requirement: `${name}==${version}`, hashes, index };
  }
  if (type === "git") {
    const commit = str(source.resolved_reference) ?? str(source.reference);
    const sub = str(source.subdirectory);
    return {
      name,
      version,
      kind: "git",
      requirement: `${name} @ git+${url.replace(/^git\+/, "")}@${commit}` +
        (sub ? `#subdirectory=${sub}` : ""),
      hashes: [],
    };
  }
  if (type === "url") {
    return { name, version, kind: "url", requirement: `${name} @ ${url}`, hashes: hashesOf(pkg) };
  }
  if (type === "directory") {
    const editable = pkg.raw.develop === true;
    return {
      name,
      version,
      kind: editable ? "editable" : "directory",
      requirement: at(url),
      hashes: [],
    };
  }
  if (type === "file") {
    return { name, version, kind: "path", requirement: at(url), hashes: hashesOf(pkg) };
  }
  throw lockInvalid(
    FILE,
    `locks ${name} from a source type "${type}" this buildpack does not know`,
    FIX,
  );
}

/** `[[tool.poetry.source]]` in order, then the lock's other sources, then PyPI when used. */
function indexesOf(pyproject: Record<string, unknown>, packages: PoetryPackage[]): LockIndex[] {
  const indexes: LockIndex[] = [];
  for (const source of tables(table(table(pyproject.tool).poetry).source)) {
    const url = str(source.url);
    const name = str(source.name);
    if (!url) continue;
    const env = name?.toUpperCase().replace(/-/g, "_");
    addIndex(indexes, {
      ...(name ? { name } : {}),
      url,
      ...(env
        ? {
          credentialEnv: {
            username: `POETRY_HTTP_BASIC_${env}_USERNAME`,
            password: `POETRY_HTTP_BASIC_${env}_PASSWORD`,
          },
        }
        : {}),
    });
  }
  for (const pkg of packages) {
    const source = table(pkg.raw.source);
    if (source.type === "legacy" && typeof source.url === "string") {
      addIndex(indexes, {
        ...(str(source.reference) ? { name: str(source.reference) } : {}),
        url: source.url,
      });
    }
    if (source.type === undefined) addIndex(indexes, { name: "PyPI", url: PYPI });
  }
  return indexes;
}

/** Lock 2.1: the packages whose groups include `main` and whose marker for it holds. */
function fromGroupsAndMarkers(packages: PoetryPackage[], env: MarkerEnvironment): PoetryPackage[] {
  return packages.filter((pkg) => {
    const groups = Array.isArray(pkg.raw.groups)
      ? pkg.raw.groups.map(String).map(normalizeName)
      : [];
    if (!groups.includes("main")) return false;
    const markers = pkg.raw.markers;
    const marker = typeof markers === "string"
      ? markers
      : str(Object.entries(table(markers)).find(([g]) => normalizeName(g) === "main")?.[1]);
    return markerHolds(marker, env);
  });
}

/** Lock 2.0/1.x: walk from the project's main dependencies. */
function fromWalk(
  packages: PoetryPackage[],
  options: { roots: Dependency[]; env: MarkerEnvironment; python: string },
): PoetryPackage[] {
  const { env, python } = options;
  const chosen = new Map<PoetryPackage, Set<string>>();
  const queue: Dependency[] = options.roots.filter((d) => applies(d, { env, python, extras: [] }));
  while (queue.length) {
    const dep = queue.shift()!;
    const candidates = packages.filter((p) => p.name === dep.name);
    const pkg = candidates.length > 1
      ? candidates.find((p) =>
        poetryConstraintAllows(dep.constraint, p.version) &&
        poetryConstraintAllows(str(p.raw["python-versions"]) ?? "*", python)
      ) ?? candidates[0]
      : candidates[0];
    if (!pkg) {
      throw lockInvalid(FILE, `has no package ${dep.name}, which the project depends on`, FIX);
    }
    const fresh = !chosen.has(pkg);
    const extras = chosen.get(pkg) ?? new Set<string>();
    chosen.set(pkg, extras);
    const newExtras = dep.extras.filter((e) => !extras.has(e));
    newExtras.forEach((e) => extras.add(e));
    if (!fresh && newExtras.length === 0) continue;
    // Optional dependencies come only through an extra that lists them.
    const byExtra = new Set<string>();
    for (const [extra, items] of Object.entries(table(pkg.raw.extras))) {
      if (!extras.has(normalizeName(extra))) continue;
      for (const item of Array.isArray(items) ? items : []) {
        byExtra.add(normalizeName(String(item).split(/[\s([<>=!~;]/)[0]));
      }
    }
    for (const sub of dependenciesOf(table(pkg.raw.dependencies))) {
      if (sub.optional && !byExtra.has(sub.name)) continue;
      if (!applies(sub, { env, python, extras: [...extras] })) continue;
      queue.push(sub);
    }
  }
  return [...chosen.keys()];
}

/**
 * What `poetry sync --only main` installs from poetry.lock for CPython
 * `pythonFullVersion` on Linux x86_64.
 * @throws BuildpackError lockOutOfSync when the content-hash does not match pyproject.toml,
 *   lockInvalid when the lock cannot be read
 */
export function readPoetryLock(
  lockText: string,
  options: { pyproject: Record<string, unknown>; pythonFullVersion: string },
): LockedInstall {
  const doc = parseTomlFile(lockText, { file: FILE, fix: FIX });
  const metadata = table(doc.metadata);
  const lockVersion = str(metadata["lock-version"]) ?? "1.0";
  const [major, minor] = lockVersion.split(".").map(Number);
  if (!(major === 1 || major === 2)) {
    throw lockInvalid(
      FILE,
      `has lock-version ${lockVersion}; this buildpack reads 1.x, 2.0 and 2.1`,
      "Write it with Poetry 1.x or 2.x (`poetry lock`) and push again.",
    );
  }
  const stored = str(metadata["content-hash"]) ?? "";
  if (!poetryLockIsFresh(options.pyproject, { stored, lockText })) {
    throw lockOutOfSync(FILE, {
      manifest: "pyproject.toml",
      difference: stored
        ? "the dependency sections of pyproject.toml ([project] dependencies, requires-python, " +
          "optional-dependencies, [dependency-groups], [tool.poetry] dependencies, groups, " +
          "sources and extras) no longer hash to the content-hash poetry.lock records"
        : "poetry.lock records no content-hash",
      command: "poetry lock",
      toolLine: POETRY_STALE_LINE,
    });
  }
  const packages = tables(doc.package).map((raw, i): PoetryPackage => {
    const name = str(raw.name);
    const version = str(raw.version);
    if (!name || !version) {
      throw lockInvalid(FILE, `has a [[package]] (number ${i + 1}) without a name or version`, FIX);
    }
    return { name: normalizeName(name), version, raw };
  });
  const env = targetEnvironment(options.pythonFullVersion);
  const notes: string[] = [];
  const groupsAndMarkers = major > 2 || (major === 2 && minor >= 1);
  const selected = groupsAndMarkers ? fromGroupsAndMarkers(packages, env) : fromWalk(packages, {
    roots: rootDependencies(options.pyproject),
    env,
    python: options.pythonFullVersion,
  });
  const poetry = table(table(options.pyproject.tool).poetry);
  const packageMode = poetry["package-mode"] !== false;
  notes.push(
    `poetry.lock (lock-version ${lockVersion}): ${selected.length} of ${packages.length} locked ` +
      `packages are in the main group for CPython ${options.pythonFullVersion} on Linux x86_64` +
      (groupsAndMarkers
        ? " (from the lock's groups and markers)"
        : " (walked from the project's dependencies)"),
  );
  if (!packageMode) {
    notes.push("poetry.lock: package-mode = false, the project itself is not installed");
  }
  return {
    lockFile: FILE,
    distributions: sortDistributions(selected.map(distribution)),
    ...(packageMode ? { project: { editable: true } } : {}),
    indexes: indexesOf(options.pyproject, packages),
    notes,
  };
}
