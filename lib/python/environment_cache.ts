/**
 * The one owner of the reused Python environment (runtime plus installed
 * packages) in the app cache: {@link lookUp}, {@link restore}, {@link save},
 * {@link forget}.
 *
 * The cache holds `python-env/` (a hard-linked copy of `deps/<IDX>/python`)
 * with the record `python-env/.buildpack-env.json` inside it, written last.
 * A save builds everything in a temporary sibling and renames it into place,
 * so an interrupted or failed save never leaves a half tree with a record.
 * That sibling is begun early ({@link beginSave}: `cp -al` of the runtime
 * while pip runs, or of the restored tree while it is checked) and brought
 * in step at the save by linking only what changed since (`tree_sync.ts`).
 * The record carries a digest of the tree (every file with its size, every
 * link with its target), checked after a restore together with a run of
 * the interpreter: a damaged environment is a warning and a fresh install,
 * never a failed staging or a broken droplet.
 * @module
 */
import { join } from "../path.ts";
import { sha256Hex } from "../digest.ts";
import type { UsedBytecodeArchive } from "./bytecode_archive.ts";
import type { InputDigests } from "./install_plan.ts";
import {
  applySync,
  entryKeys,
  forEachEntry,
  listTree,
  syncPlan,
  type TreeEntry,
} from "./tree_sync.ts";

/** What produced a cached environment. */
export interface EnvironmentRecord {
  /** Record format. */
  schema: 2;
  /** Buildpack version that staged it. */
  buildpackVersion: string;
  /** Stack it was built for. */
  stack: string;
  /** The runtime dependency it started from. */
  runtime: { version: string; sha256: string };
  /** Digest of the package inputs (requirements or lock files, pip settings). */
  fingerprint: string;
  /** Distributions the runtime itself shipped (never removed as unneeded). */
  runtimePackages: string[];
  /** The buildpack's bytecode archive added to the runtime, if any (for the SBOM of a restage). */
  bytecodeArchive?: UsedBytecodeArchive;
  /** Digests of each input, to tell the user what changed. */
  inputs: InputDigests;
  /** The saved tree (see {@link treeSummary}). */
  tree: TreeSummary;
}

/** What a staging wants to reuse. */
export interface CacheKey {
  /** This buildpack's version. */
  buildpackVersion: string;
  /** `CF_STACK`. */
  stack: string;
  /** The runtime chosen for this staging. */
  runtime: { version: string; sha256: string };
}

const ENV_DIR = "python-env";
const RECORD_FILE = ".buildpack-env.json";
/** Left by buildpack versions before the record moved into the tree. */
const OLD_RECORD_FILE = "python-env.json";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isDigestMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/**
 * The record in `text`, or undefined for anything not exactly shaped like
 * one (other schema, nulls, wrong types): such a cache is not usable. Pure.
 */
export function parseRecord(text: string): EnvironmentRecord | undefined {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(r) || r.schema !== 2) return undefined;
  const runtime = r.runtime;
  const inputs = r.inputs;
  const tree = r.tree;
  const archive = r.bytecodeArchive;
  const ok = typeof r.buildpackVersion === "string" && typeof r.stack === "string" &&
    isObject(runtime) && typeof runtime.version === "string" &&
    typeof runtime.sha256 === "string" && typeof r.fingerprint === "string" &&
    Array.isArray(r.runtimePackages) && r.runtimePackages.every((p) => typeof p === "string") &&
    isObject(inputs) && isDigestMap(inputs.files) && isDigestMap(inputs.settings) &&
    isObject(tree) && typeof tree.entries === "number" && typeof tree.digest === "string" &&
    typeof tree.bytes === "number" &&
    (archive === undefined ||
      isObject(archive) && typeof archive.version === "string" &&
        typeof archive.sha256 === "string");
  return ok ? r as unknown as EnvironmentRecord : undefined;
}

/**
 * Every reason the cached environment cannot be reused (empty: it can). Pure.
 * @param options.clean `BP_CLEAN_INSTALL` asks for a fresh environment
 */
export function reuseReasons(
  record: EnvironmentRecord | undefined,
  want: CacheKey,
  options: { clean?: boolean } = {},
): string[] {
  const reasons: string[] = [];
  if (options.clean) reasons.push("BP_CLEAN_INSTALL is set");
  if (!record) return [...reasons, "no usable Python environment in the app cache"];
  if (record.stack !== want.stack) {
    reasons.push(`the stack changed from ${record.stack} to ${want.stack}`);
  }
  if (record.buildpackVersion !== want.buildpackVersion) {
    reasons.push(
      `the buildpack version changed from ${record.buildpackVersion} to ${want.buildpackVersion}`,
    );
  }
  if (record.runtime.sha256 !== want.runtime.sha256) {
    reasons.push(
      record.runtime.version === want.runtime.version
        ? `the python ${want.runtime.version} runtime was rebuilt`
        : `python changed from ${record.runtime.version} to ${want.runtime.version}`,
    );
  }
  return reasons;
}

/** Whether the app cache holds a saved environment (its record), reusable or not. */
export async function hasSavedEnvironment(cacheDir: string): Promise<boolean> {
  return await Deno.stat(join(cacheDir, ENV_DIR, RECORD_FILE)).then(() => true, () => false);
}

/** The cached environment's record and every reason it cannot be reused. */
export async function lookUp(
  cacheDir: string,
  want: CacheKey & { clean?: boolean },
): Promise<{ record?: EnvironmentRecord; reasons: string[] }> {
  let record: EnvironmentRecord | undefined;
  try {
    record = parseRecord(await Deno.readTextFile(join(cacheDir, ENV_DIR, RECORD_FILE)));
  } catch {
    record = undefined;
  }
  return { record, reasons: reuseReasons(record, want, { clean: want.clean }) };
}

/**
 * An entry's line in a tree's listing (see {@link treeListing}), undefined
 * for what the listing leaves out: `__pycache__` dirs themselves, the
 * record and anything under a dir of its name, and kinds other than files,
 * dirs and symlinks. The same lines `find` printed for earlier buildpack
 * versions, so that their records' digests still match. Pure.
 */
export function listingLine(e: TreeEntry): string | undefined {
  // Called for every entry of the tree: string searches, no arrays.
  const slashed = `/${e.path}`;
  if (slashed.includes(`/${RECORD_FILE}/`)) return undefined;
  if (e.type === "f" && slashed.includes("/__pycache__/")) return `p ${e.size} ${e.path}`;
  const name = e.path.slice(e.path.lastIndexOf("/") + 1);
  if (name === "__pycache__" || name === RECORD_FILE) return undefined;
  if (e.type === "f") return `f ${e.size} ${e.path}`;
  if (e.type === "l") return `l ${e.path} ${e.target}`;
  if (e.type === "d") return `d ${e.path}`;
  return undefined;
}

function listingOf(tree: string): string[] {
  const lines: string[] = [];
  forEachEntry(tree, (e) => {
    const line = listingLine(e);
    if (line !== undefined) lines.push(line);
  });
  return lines.sort();
}

/**
 * A tree's listing: `f <size> <path>`, `l <path> <target>`, `d <path>`, and
 * `p <size> <path>` for each file under a `__pycache__` dir, sorted; the
 * record is left out. The digest leaves the `p` lines out (bytecode is
 * rewritten by any run of the interpreter); the size counts them.
 */
export async function treeListing(dir: string): Promise<string[]> {
  return listingOf(await listTree(dir));
}

/** A tree as {@link treeListing} sees it. */
export interface TreeSummary {
  /** Number of entries. */
  entries: number;
  /** sha256 of the listing. */
  digest: string;
  /** Bytes of its regular files. */
  bytes: number;
}

async function summaryOf(tree: string): Promise<TreeSummary> {
  let bytes = 0;
  const listing: string[] = [];
  for (const line of listingOf(tree)) {
    const pyc = line.startsWith("p ");
    if (pyc || line.startsWith("f ")) bytes += Number(line.split(" ", 2)[1]);
    // Bytecode counts for the size, not for the digest (any run of Python rewrites it).
    if (!pyc) listing.push(line);
  }
  return { entries: listing.length, digest: await sha256Hex(listing.join("\n")), bytes };
}

/** Number of entries, digest of a tree's listing, and its files' bytes. */
export async function treeSummary(dir: string): Promise<TreeSummary> {
  return await summaryOf(await listTree(dir));
}

/** Whether the runtime in `pythonDir` starts (isolated from the environment). */
async function interpreterRuns(pythonDir: string): Promise<boolean> {
  const lib = [join(pythonDir, "lib"), join(pythonDir, "usr", "lib", "x86_64-linux-gnu")];
  try {
    const out = await new Deno.Command(join(pythonDir, "bin", "python3"), {
      args: ["-I", "-B", "-c", "import encodings, site, sys; sys.exit(0)"],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", LD_LIBRARY_PATH: lib.join(":"), LANG: "C.UTF-8" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The next staging's copy, begun early: `cp -al` of `deps/<IDX>/python` into
 * a temporary sibling of the cache, then a listing of the copy, while the
 * staging goes on (a restore's checks and package step, or pip after a
 * fresh runtime). {@link save} then links only what changed since
 * ({@link syncPlan}: added or replaced files in, removed ones out) instead
 * of linking the whole tree.
 */
export interface PreSave {
  /** The temporary tree, in the cache dir. */
  tmp: string;
  /** The copy's listing ({@link listTree}) once it is complete; undefined when it failed. */
  ready: Promise<string | undefined>;
  /** The tree as it was when the copy began, when known (a restore): its listing and summary. */
  base?: { listing: string; tree: TreeSummary };
}

/**
 * Begin the next staging's copy of `pythonDir` ({@link PreSave}), once
 * `options.after` has settled when given (on two CPUs, a copy beside pip and
 * the bytecode compiler would take CPU from both).
 */
export function beginSave(
  cacheDir: string,
  pythonDir: string,
  options: { after?: Promise<unknown> } = {},
): PreSave {
  const tmp = join(cacheDir, `${ENV_DIR}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  const ready = Promise.resolve(options.after).catch(() => {})
    .then(() => copyTree(pythonDir, tmp, { hardlink: true }))
    .then(() => listTree(tmp))
    .catch(async () => {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      return undefined;
    });
  return { tmp, ready };
}

/**
 * Move the cached environment to `pythonDir` (copy when on another
 * filesystem) and check it against its record: the tree as saved and an
 * interpreter that runs. When it is damaged, `pythonDir` is removed and the
 * reason returned (the caller warns and installs afresh). A restore by
 * rename also begins the next staging's copy ({@link PreSave}); pass it to
 * {@link save}, or to {@link discard} when the staging fails.
 */
export async function restore(
  cacheDir: string,
  pythonDir: string,
  record: EnvironmentRecord,
): Promise<{ ok: true; preSave?: PreSave } | { ok: false; reason: string }> {
  const from = join(cacheDir, ENV_DIR);
  let preSave: PreSave | undefined;
  try {
    await Deno.remove(pythonDir, { recursive: true }).catch(() => {});
    let renamed = true;
    try {
      await Deno.rename(from, pythonDir);
    } catch {
      renamed = false;
      await copyTree(from, pythonDir, { hardlink: false });
      await forget(cacheDir);
    }
    await Deno.remove(join(pythonDir, RECORD_FILE)).catch(() => {});
    if (renamed) preSave = beginSave(cacheDir, pythonDir);
    // The checks (child processes) run at once, beside the copy; the interpreter
    // runs with -B so that it writes no bytecode into the tree being copied.
    const [listing, runs] = await Promise.all([listTree(pythonDir), interpreterRuns(pythonDir)]);
    const tree = await summaryOf(listing);
    if (preSave) preSave.base = { listing, tree };
    let reason: string | undefined;
    if (tree.digest !== record.tree.digest) {
      reason = `its files differ from what was saved (${tree.entries} entries, ` +
        `${record.tree.entries} saved)`;
    } else if (!runs) {
      reason = "its python3 does not start";
    }
    if (reason === undefined) return { ok: true, ...(preSave && { preSave }) };
    await discard(preSave);
    await Deno.remove(pythonDir, { recursive: true }).catch(() => {});
    return { ok: false, reason };
  } catch (error) {
    await discard(preSave);
    await Deno.remove(pythonDir, { recursive: true }).catch(() => {});
    return { ok: false, reason: `it could not be restored (${(error as Error).message})` };
  }
}

/** Drop a {@link PreSave}'s copy (a failed or damaged staging; nothing to keep). */
export async function discard(preSave: PreSave | undefined): Promise<void> {
  if (!preSave) return;
  await preSave.ready;
  await Deno.remove(preSave.tmp, { recursive: true }).catch(() => {});
}

/** Forget the cached environment (stale, damaged, or restored by a copy). */
export async function forget(cacheDir: string): Promise<void> {
  await Deno.remove(join(cacheDir, ENV_DIR), { recursive: true }).catch(() => {});
  await Deno.remove(join(cacheDir, OLD_RECORD_FILE)).catch(() => {});
}

async function copyTree(from: string, to: string, options: { hardlink: boolean }): Promise<void> {
  const res = await new Deno.Command("cp", {
    args: [options.hardlink ? "-al" : "-a", from, to],
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).output();
  if (!res.success) {
    throw new Error(`cp ${from} ${to}: ${new TextDecoder().decode(res.stderr).trim()}`);
  }
}

/** A hard-linked copy, or a full one when links fail (another filesystem, a link limit). */
async function copyEnvironment(from: string, to: string): Promise<void> {
  try {
    await copyTree(from, to, { hardlink: true });
  } catch {
    // cp -al may have made part of the tree: start the full copy from nothing.
    await Deno.remove(to, { recursive: true }).catch(() => {});
    await copyTree(from, to, { hardlink: false });
  }
}

/** Temporary trees of saves that were interrupted (killed between their renames). */
async function removeLeftovers(cacheDir: string, keep?: string): Promise<void> {
  for await (const e of Deno.readDir(cacheDir)) {
    if (keep !== undefined && join(cacheDir, e.name) === keep) continue;
    if (e.name.startsWith(`${ENV_DIR}.tmp-`) || e.name.startsWith(`${ENV_DIR}.old-`)) {
      await Deno.remove(join(cacheDir, e.name), { recursive: true }).catch(() => {});
    }
  }
}

/**
 * Save `pythonDir` as the cached environment, atomically: a hard-linked copy
 * (a full copy when links fail) is built in a temporary sibling, its record
 * written last inside it, then renamed over the previous one. A
 * {@link PreSave} whose tree still has the same entries is that copy
 * already. Returns the saved tree, or a warning text instead of throwing: a
 * failed save must not fail a staging whose droplet is complete.
 */
export async function save(
  cacheDir: string,
  pythonDir: string,
  record: Omit<EnvironmentRecord, "schema" | "tree">,
  options: { preSave?: PreSave } = {},
): Promise<{ tree: TreeSummary } | { warning: string }> {
  const { preSave } = options;
  let tmp = join(cacheDir, `${ENV_DIR}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  const old = join(cacheDir, `${ENV_DIR}.old-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    await removeLeftovers(cacheDir, preSave?.tmp);
    let tree = preSave && await synced(preSave, pythonDir);
    if (tree) {
      tmp = preSave!.tmp;
    } else {
      // The listing is taken from the source while cp reads it (nothing else writes
      // there now): a copy that succeeds has the same names, sizes and links.
      [tree] = await Promise.all([treeSummary(pythonDir), copyEnvironment(pythonDir, tmp)]);
    }
    const full: EnvironmentRecord = { schema: 2, ...record, tree };
    await Deno.writeTextFile(join(tmp, RECORD_FILE), JSON.stringify(full, null, 2) + "\n");
    const target = join(cacheDir, ENV_DIR);
    const hadOld = await Deno.rename(target, old).then(() => true, () => false);
    await Deno.rename(tmp, target);
    if (hadOld) await Deno.remove(old, { recursive: true }).catch(() => {});
    await Deno.remove(join(cacheDir, OLD_RECORD_FILE)).catch(() => {});
    return { tree: full.tree };
  } catch (error) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await discard(preSave);
    await Deno.remove(old, { recursive: true }).catch(() => {});
    return {
      warning: `Could not save the Python environment to the app cache (${
        (error as Error).message
      }); the next staging installs it afresh`,
    };
  }
}

/**
 * Bring a {@link PreSave}'s copy in step with `pythonDir` (nothing writes
 * there now) and return the tree saved; undefined, and the copy dropped,
 * when that cannot be done (the caller copies afresh).
 */
async function synced(preSave: PreSave, pythonDir: string): Promise<TreeSummary | undefined> {
  const [copy, now] = await Promise.all([preSave.ready, listTree(pythonDir).catch(() => "")]);
  try {
    if (!copy || now === "") throw new Error("no copy");
    // The same entries, inodes and sizes as when the copy began (an unchanged app):
    // nothing to apply, and no listing to read entry by entry (memory, time).
    if (now === preSave.base?.listing) return preSave.base.tree;
    await applySync(pythonDir, preSave.tmp, syncPlan(entryKeys(copy), entryKeys(now)));
    return await summaryOf(now);
  } catch {
    await discard(preSave);
    return undefined;
  }
}
