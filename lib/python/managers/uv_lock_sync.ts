/**
 * Whether uv.lock still matches pyproject.toml, as `uv sync --locked`
 * checks it: the root package's `[package.metadata]` (requires-dist with
 * `tool.uv.sources` applied and optional dependencies under an
 * `extra == 'x'` marker, provides-extras, requires-dev) and the lock's
 * requires-python are compared with the pyproject after normalising names,
 * specifiers and markers. The first difference is reported in words. Pure.
 * @module
 */

import { lockOutOfSync } from "../../errors.ts";
import { normalizeSpecifiers } from "../pep440.ts";
import { markerToString, parseRequirement } from "../pep508.ts";
import { normalizeName } from "../site_packages.ts";
import { markersEquivalent } from "./lock_markers.ts";
import { str, table, tables } from "./lock_common.ts";
import type { UvLock, UvPackage } from "./uv_lock.ts";

/** uv's own refusal, kept as the first line so logs grep the same. */
export const UV_LOCKED_LINE =
  "The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile, run `uv lock`.";

/** One requirement in a comparable form. */
export interface UvRequirement {
  /** Normalised name. */
  name: string;
  /** Sorted normalised extras. */
  extras: string[];
  /** Normalised specifier (`<4,>=3`), empty for none or for direct sources. */
  specifier: string;
  /** Marker text as written (compared semantically). */
  marker?: string;
  /** Where it comes from, canonical (`index=URL`, `git=URL@ref#sub`, `editable=./x`...), or "". */
  source: string;
}

function normalSpecifier(text: string | undefined): string {
  if (!text) return "";
  try {
    return normalizeSpecifiers(text);
  } catch {
    return text.replace(/\s+/g, "");
  }
}

function localPath(path: string): string {
  const p = path.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return p === "" ? "." : p;
}

/** `git=https://host/repo ref=rev:x sub=y` whatever order uv wrote the query in. */
function gitKey(url: string, ref?: { kind: string; value: string }, sub?: string): string {
  const noFragment = url.split("#")[0];
  const [base, query = ""] = noFragment.split("?");
  const params = new URLSearchParams(query);
  const refKind = ref?.kind ?? ["rev", "tag", "branch"].find((k) => params.has(k));
  const refValue = ref?.value ?? (refKind ? params.get(refKind) : undefined);
  const subdirectory = sub ?? params.get("subdirectory") ?? "";
  return `git=${base.replace(/^git\+/, "").replace(/\/+$/, "")}` +
    (refKind ? ` ${refKind}=${refValue}` : "") + (subdirectory ? ` sub=${subdirectory}` : "");
}

const ARCHIVE = /\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip)$/i;

/** A `[package.metadata] requires-dist` entry of uv.lock, comparable. */
function fromLock(entry: Record<string, unknown>): UvRequirement {
  let source = "";
  if (typeof entry.git === "string") source = gitKey(entry.git);
  else if (typeof entry.url === "string") {
    source = `url=${entry.url}` + (entry.subdirectory ? ` sub=${entry.subdirectory}` : "");
  } else if (typeof entry.path === "string") source = `path=${localPath(entry.path)}`;
  else if (typeof entry.directory === "string") source = `directory=${localPath(entry.directory)}`;
  else if (typeof entry.editable === "string") source = `editable=${localPath(entry.editable)}`;
  else if (typeof entry.virtual === "string") source = `virtual=${localPath(entry.virtual)}`;
  else if (typeof entry.index === "string") source = `index=${entry.index.replace(/\/+$/, "")}`;
  const direct = source !== "" && !source.startsWith("index=");
  return {
    name: normalizeName(str(entry.name) ?? ""),
    extras: (Array.isArray(entry.extras) ? entry.extras as string[] : []).map(normalizeName).sort(),
    specifier: direct ? "" : normalSpecifier(str(entry.specifier)),
    marker: str(entry.marker),
    source,
  };
}

/** Joins two markers with `and`, keeping each side's meaning. */
function andMarkers(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return `(${a}) and (${b})`;
}

/** The `tool.uv.sources` entry for `name` turned into the source key uv writes, per marker. */
function lowerSource(
  source: Record<string, unknown>,
  context: { indexes: Record<string, unknown>[]; lock: UvLock; name: string },
): string {
  if (typeof source.index === "string") {
    const index = context.indexes.find((i) => i.name === source.index);
    const url = str(index?.url) ?? source.index;
    return `index=${url.replace(/\/+$/, "")}`;
  }
  if (typeof source.git === "string") {
    const kind = ["rev", "tag", "branch"].find((k) => typeof source[k] === "string");
    return gitKey(
      source.git,
      kind ? { kind, value: source[kind] as string } : undefined,
      str(source.subdirectory),
    );
  }
  if (typeof source.url === "string") {
    return `url=${source.url}` + (source.subdirectory ? ` sub=${source.subdirectory}` : "");
  }
  if (typeof source.path === "string") {
    const path = localPath(source.path);
    if (source.editable === true) return `editable=${path}`;
    if (ARCHIVE.test(path)) return `path=${path}`;
    return `${source.package === false ? "virtual" : "directory"}=${path}`;
  }
  if (source.workspace === true) {
    // A workspace member: however the lock installs that member locally.
    const member = context.lock.packages.find((p) =>
      p.name === context.name && ["editable", "directory", "virtual"].some((k) => k in p.source)
    );
    const kind = member
      ? ["editable", "directory", "virtual"].find((k) => k in member.source)!
      : "editable";
    return `${kind}=${localPath(str(member?.source[kind]) ?? context.name)}`;
  }
  return "";
}

/** The requirements pyproject.toml declares for one list, with `tool.uv.sources` applied. */
function fromPyproject(
  lines: unknown,
  context: {
    extraMarker?: string;
    sources: Record<string, unknown>;
    indexes: Record<string, unknown>[];
    lock: UvLock;
  },
): UvRequirement[] {
  const out: UvRequirement[] = [];
  for (const line of Array.isArray(lines) ? lines : []) {
    if (typeof line !== "string") continue;
    const req = parseRequirement(line);
    const name = req.normalizedName;
    const written = req.marker ? markerToString(req.marker) : undefined;
    const entry = Object.entries(context.sources).find(([k]) => normalizeName(k) === name)?.[1];
    const variants = Array.isArray(entry) ? tables(entry) : entry ? [table(entry)] : [{}];
    for (const source of variants) {
      let key = lowerSource(source, { indexes: context.indexes, lock: context.lock, name });
      if (!key && req.url) {
        key = req.url.startsWith("git+") ? gitKey(req.url.slice(4)) : `url=${req.url}`;
      }
      const direct = key !== "" && !key.startsWith("index=");
      out.push({
        name,
        extras: [...req.extras].map(normalizeName).sort(),
        specifier: direct ? "" : normalSpecifier(String(req.specifier ?? "")),
        marker: andMarkers(andMarkers(written, str(source.marker)), context.extraMarker),
        source: key,
      });
    }
  }
  return out;
}

/** `flask[async]>=3 ; sys_platform == 'linux'` or `greeting @ editable=packages/x`, for messages. */
export function describe(req: UvRequirement): string {
  const extras = req.extras.length ? `[${req.extras.join(",")}]` : "";
  const where = req.source && !req.source.startsWith("index=")
    ? ` @ ${req.source}`
    : req.source
    ? ` (from ${req.source.slice(6)})`
    : "";
  return `${req.name}${extras}${req.specifier}${where}${req.marker ? ` ; ${req.marker}` : ""}`;
}

function same(a: UvRequirement, b: UvRequirement, requiresPython?: string): boolean {
  return a.name === b.name && a.extras.join() === b.extras.join() &&
    a.specifier === b.specifier && a.source === b.source &&
    markersEquivalent(a.marker, b.marker, { requiresPython });
}

/** The first difference between two requirement lists, in words; undefined when equal. */
export function firstDifference(
  expected: UvRequirement[],
  actual: UvRequirement[],
  options: { what: string; requiresPython?: string },
): string | undefined {
  const unmatched = [...actual];
  const missing: UvRequirement[] = [];
  for (const req of expected) {
    const i = unmatched.findIndex((a) => same(req, a, options.requiresPython));
    if (i >= 0) unmatched.splice(i, 1);
    else missing.push(req);
  }
  const want = missing[0];
  if (want) {
    const locked = unmatched.find((a) => a.name === want.name);
    return locked
      ? `${options.what}: pyproject.toml requires ${describe(want)} but uv.lock was made for ${
        describe(locked)
      }`
      : `${options.what}: pyproject.toml requires ${
        describe(want)
      }, which uv.lock was not made with`;
  }
  const extra = unmatched[0];
  if (extra) {
    return `${options.what}: uv.lock was made for ${
      describe(extra)
    }, which pyproject.toml no longer requires`;
  }
  return undefined;
}

/** Dependency groups with `{include-group = "x"}` expanded (PEP 735). */
function groupLines(
  groups: Record<string, unknown>,
  name: string,
  seen = new Set<string>(),
): unknown[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const entry = Object.entries(groups).find(([k]) => normalizeName(k) === name)?.[1];
  const out: unknown[] = [];
  for (const item of Array.isArray(entry) ? entry : []) {
    const include = str(table(item)["include-group"]);
    if (include) out.push(...groupLines(groups, normalizeName(include), seen));
    else out.push(item);
  }
  return out;
}

function difference(
  lock: UvLock,
  pyproject: Record<string, unknown>,
  root: UvPackage,
): string | undefined {
  const project = table(pyproject.project);
  const uv = table(table(pyproject.tool).uv);
  const context = { sources: table(uv.sources), indexes: tables(uv.index), lock };
  const requiresPython = lock.requiresPython;

  const wantedPython = str(project["requires-python"]);
  if (wantedPython !== undefined) {
    const a = normalSpecifier(wantedPython);
    const b = normalSpecifier(lock.requiresPython);
    if (a !== b) {
      return `pyproject.toml has requires-python ${wantedPython} but uv.lock was made for ${
        lock.requiresPython ?? "no requires-python"
      }`;
    }
  }

  const metadata = table(root.raw.metadata);
  const optional = table(project["optional-dependencies"]);
  const expected = [
    ...fromPyproject(project.dependencies, context),
    ...Object.entries(optional).flatMap(([extra, lines]) =>
      fromPyproject(lines, { ...context, extraMarker: `extra == '${normalizeName(extra)}'` })
    ),
  ];
  const actual = tables(metadata["requires-dist"]).map(fromLock);
  const deps = firstDifference(expected, actual, {
    what: "[project] dependencies",
    requiresPython,
  });
  if (deps) return deps;

  const wantedExtras = Object.keys(optional).map(normalizeName).sort();
  const lockedExtras =
    (Array.isArray(metadata["provides-extras"]) ? metadata["provides-extras"] : [])
      .map((e) => normalizeName(String(e))).sort();
  if (wantedExtras.join() !== lockedExtras.join()) {
    return `pyproject.toml declares the extras [${
      wantedExtras.join(", ")
    }] but uv.lock was made for [${lockedExtras.join(", ")}]`;
  }

  const groups = table(pyproject["dependency-groups"]);
  const wantedGroups = new Map<string, UvRequirement[]>();
  for (const name of Object.keys(groups).map(normalizeName)) {
    wantedGroups.set(name, fromPyproject(groupLines(groups, name), context));
  }
  if (Array.isArray(uv["dev-dependencies"])) {
    // The legacy tool.uv.dev-dependencies join the `dev` group.
    const dev = wantedGroups.get("dev") ?? [];
    wantedGroups.set("dev", [...dev, ...fromPyproject(uv["dev-dependencies"], context)]);
  }
  const lockedGroups = new Map<string, UvRequirement[]>();
  for (const [name, list] of Object.entries(table(metadata["requires-dev"]))) {
    lockedGroups.set(normalizeName(name), tables(list).map(fromLock));
  }
  const names = [...new Set([...wantedGroups.keys(), ...lockedGroups.keys()])].sort();
  for (const name of names) {
    const want = wantedGroups.get(name) ?? [];
    const have = lockedGroups.get(name) ?? [];
    if (want.length === 0 && have.length === 0) continue;
    if (!lockedGroups.has(name) || have.length === 0) {
      return `pyproject.toml has the dependency group ${name}, which uv.lock was not made with`;
    }
    if (!wantedGroups.has(name) || want.length === 0) {
      return `uv.lock was made with the dependency group ${name}, which pyproject.toml no longer has`;
    }
    const diff = firstDifference(want, have, { what: `dependency group ${name}`, requiresPython });
    if (diff) return diff;
  }
  return undefined;
}

/**
 * Throws when uv.lock no longer matches pyproject.toml, as `uv sync --locked`.
 * `root` is the lock's package for the project (none: the project is not in
 * the lock, which is itself a mismatch when pyproject has a [project]).
 * @throws BuildpackError (lockOutOfSync)
 */
export function checkUvLockInSync(
  lock: UvLock,
  options: { pyproject: Record<string, unknown>; root: UvPackage | undefined },
): void {
  const name = str(table(options.pyproject.project).name);
  let diff: string | undefined;
  if (name && !options.root) {
    diff = `pyproject.toml names the project ${name}, which uv.lock does not contain`;
  } else if (options.root) {
    diff = difference(lock, options.pyproject, options.root);
  }
  if (diff) {
    throw lockOutOfSync("uv.lock", {
      manifest: "pyproject.toml",
      difference: diff,
      command: "uv lock",
      toolLine: UV_LOCKED_LINE,
    });
  }
}
