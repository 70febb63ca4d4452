/**
 * Preparing buildpacks as the platform presents them: a copy per buildpack
 * under `/tmp/buildpacks/<md5(key)>`, made read-only, plus a snapshot to
 * prove afterwards that no script wrote into it (we run as root, where
 * `chmod a-w` does not stop writes; on the platform the mount is read-only).
 * @module
 */
import { basename, join, resolve } from "node:path";
import { buildpackDirName } from "./layout.ts";
import {
  copyTree,
  diffSnapshots,
  isUnchanged,
  makeReadOnly,
  type Snapshot,
  snapshotTree,
} from "./tree.ts";

/** A buildpack copied into the staging layout. */
export interface Buildpack {
  /** Its key: the absolute real path of the source directory. */
  key: string;
  /** Short name for log lines. */
  label: string;
  /** The read-only copy, `<root>/tmp/buildpacks/<md5(key)>`. */
  copy: string;
  /** Directory holding `bin/` (the copy, or its single subdirectory), if any. */
  dir?: string;
  /** Snapshot of the copy taken right after it was made read-only. */
  snapshot: Snapshot;
}

/** Top-level dirs of a source checkout that a buildpack never needs at staging. */
const DEV_DIRS = new Set(["tests", "bench", "examples", "tools", ".ci", "dist"]);

/**
 * Never copied from a buildpack source: `.git` and `node_modules` (any
 * depth), and a source checkout's development dirs (tests, benchmarks,
 * examples, tools) that a release zip does not carry either.
 */
export function excludeFromBuildpack(rel: string): boolean {
  const name = basename(rel);
  return name === ".git" || name === "node_modules" || DEV_DIRS.has(rel);
}

/** Whether `path` exists. */
async function isPresent(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The builder's rule: `bin/` at the top, or inside the only entry of the top. */
async function findBinParent(copy: string): Promise<string | undefined> {
  if (await isPresent(join(copy, "bin"))) return copy;
  const entries: string[] = [];
  for await (const e of Deno.readDir(copy)) entries.push(e.name);
  if (entries.length === 1 && await isPresent(join(copy, entries[0], "bin"))) {
    return join(copy, entries[0]);
  }
  return undefined;
}

/**
 * Copy every buildpack (once per key) into `buildpacksDir`, giving the one
 * at `manifestFor` the file `manifest` as its `manifest.yml`, then make the
 * copies read-only and snapshot them. Throws when a source is not a directory.
 */
export async function prepareBuildpacks(
  sources: string[],
  buildpacksDir: string,
  options: { manifest?: string; manifestFor?: number } = {},
): Promise<Buildpack[]> {
  const prepared = new Map<string, Buildpack>();
  const result: Buildpack[] = [];
  for (const [i, source] of sources.entries()) {
    let key: string;
    try {
      key = await Deno.realPath(resolve(source));
      if (!(await Deno.stat(key)).isDirectory) throw new Error("not a directory");
    } catch {
      throw new Error(`buildpack ${source} is not a directory`);
    }
    let bp = prepared.get(key);
    if (!bp) {
      const copy = join(buildpacksDir, buildpackDirName(key));
      await copyTree(key, copy, { exclude: excludeFromBuildpack });
      bp = { key, label: basename(key), copy, snapshot: new Map() };
      prepared.set(key, bp);
    }
    if (options.manifest !== undefined && options.manifestFor === i) {
      await Deno.copyFile(options.manifest, join(bp.copy, "manifest.yml"));
    }
    result.push(bp);
  }
  for (const bp of prepared.values()) {
    bp.dir = await findBinParent(bp.copy);
    await makeReadOnly(bp.copy);
    bp.snapshot = await snapshotTree(bp.copy);
  }
  return result;
}

/**
 * Undefined when the copy is as prepared, else a message naming what the
 * buildpack wrote (up to 5 paths per kind).
 */
export async function findWrites(bp: Buildpack): Promise<string | undefined> {
  const diff = diffSnapshots(bp.snapshot, await snapshotTree(bp.copy));
  if (isUnchanged(diff)) return undefined;
  const list = (what: string, paths: string[]) =>
    paths.length
      ? [`${what}: ${paths.slice(0, 5).join(", ")}${paths.length > 5 ? ", ..." : ""}`]
      : [];
  return [
    ...list("added", diff.added),
    ...list("changed", diff.changed),
    ...list("removed", diff.removed),
  ].join("; ");
}
