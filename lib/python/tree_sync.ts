/**
 * A hard-linked copy of a tree kept in step with it: {@link scanEntries}
 * lists a tree (one `find`), {@link syncPlan} says what makes the copy's
 * entries the source's (pure), {@link applySync} does it. Files and
 * symlinks are the same when they are the same inode (a hard link of it),
 * directories when they have the same path.
 *
 * Why: the app cache's copy of the environment can begin while pip runs
 * (`cp -al` of the fresh runtime) and only what pip added or replaced is
 * linked afterwards, instead of linking all ~4,100 entries after pip.
 * @module
 */
import { join } from "../path.ts";

/** One entry of a tree, as `find` sees it. */
export interface TreeEntry {
  /** `f` file, `d` directory, `l` symlink, anything else another kind (fifo, socket). */
  type: string;
  /** Inode number. */
  ino: string;
  /** Size in bytes. */
  size: number;
  /** A symlink's target (`""` otherwise). */
  target: string;
  /** Path relative to the tree (`""` for its root). */
  path: string;
}

/**
 * `find`'s listing of the tree at `dir`: five NUL-terminated fields per
 * entry (kind, inode, size, link target, path), its root first, in
 * `find`'s order. Read it with {@link forEachEntry}.
 */
export async function listTree(dir: string): Promise<string> {
  const out = await new Deno.Command("find", {
    // NUL after every field: paths and link targets may hold any other byte.
    args: [".", "-printf", "%y\\0%i\\0%s\\0%l\\0%P\\0"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  if (!out.success) {
    throw new Error(`find in ${dir}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Call `visit` with each entry of a {@link listTree} listing, in order. The
 * entries are not kept: a tree of thousands of entries costs no lasting
 * memory (supply's peak is bounded). Pure.
 */
export function forEachEntry(listing: string, visit: (entry: TreeEntry) => void): void {
  let at = 0;
  const field = () => {
    const end = listing.indexOf("\0", at);
    if (end < 0) throw new Error("truncated tree listing");
    const value = listing.slice(at, end);
    at = end + 1;
    return value;
  };
  while (at < listing.length) {
    visit({ type: field(), ino: field(), size: Number(field()), target: field(), path: field() });
  }
}

/** The entries of a {@link listTree} listing (for tests and small trees). Pure. */
export function parseEntries(listing: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  forEachEntry(listing, (e) => out.push(e));
  return out;
}

/** Every entry of the tree at `dir` (see {@link listTree}). */
export async function scanEntries(dir: string): Promise<TreeEntry[]> {
  return parseEntries(await listTree(dir));
}

/**
 * A tree's entries by path, in `find`'s order (parents first), each as the
 * key {@link syncPlan} compares: `f:<inode>` or `l:<inode>` for files and
 * symlinks, the kind's letter for the rest. Pure.
 */
export function entryKeys(listing: string): Map<string, string> {
  const keys = new Map<string, string>();
  forEachEntry(listing, (e) => keys.set(e.path, sameKey(e)));
  return keys;
}

/** What makes a copy's entries a source's. */
export interface SyncPlan {
  /** Paths to remove from the copy (not in the source, or another entry there now). */
  remove: string[];
  /**
   * Entries to hard-link from the source into the copy, whole: the new
   * entries whose parent the copy has (a new directory brings all under it).
   */
  link: string[];
}

/** `a/b/c` -> `a/b`, `a` (the root `""` is not one). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    out.push(path.slice(0, i));
  }
  return out;
}

function sameKey(e: TreeEntry): string {
  return e.type === "f" || e.type === "l" ? `${e.type}:${e.ino}` : e.type;
}

/**
 * What turns `copy` into a copy of `source` (both {@link entryKeys}):
 * entries whose path is new, or whose kind or inode differs (a replaced
 * file), are removed and linked again; directories of the copy count as
 * the source's by path. Pure. Throws for an entry that is neither a file,
 * a directory nor a symlink (it cannot be hard-linked as it is): the caller
 * copies afresh.
 */
export function syncPlan(copy: Map<string, string>, source: Map<string, string>): SyncPlan {
  const remove: string[] = [];
  for (const [path, key] of copy) {
    if (source.get(path) !== key) remove.push(path);
  }
  // Removing a directory removes what is under it.
  const gone = new Set(remove);
  const kept = (path: string) => copy.has(path) && !gone.has(path);
  const link: string[] = [];
  for (const [path, key] of source) {
    if (key !== "d" && !key.startsWith("f:") && !key.startsWith("l:")) {
      throw new Error(`${path || "."} is neither a file, a directory nor a symlink`);
    }
    if (kept(path)) continue;
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    // Under a new directory: linked with it.
    if (kept(parent)) link.push(path);
  }
  return { remove: remove.filter((p) => !ancestors(p).some((a) => gone.has(a))), link };
}

/** Run `work` over `items`, `width` at a time. */
async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map(work));
  }
}

/**
 * Apply `plan` to the copy at `copyDir` of the tree at `sourceDir`: remove,
 * then hard-link with `cp -al --parents` (a new directory's modes and all
 * under it come with it). Throws on any failure (the caller drops the copy).
 */
export async function applySync(sourceDir: string, copyDir: string, plan: SyncPlan): Promise<void> {
  await inBatches(plan.remove, 32, (p) => Deno.remove(join(copyDir, p), { recursive: true }));
  // A few hundred sources per cp: far below any argument-length limit.
  for (let i = 0; i < plan.link.length; i += 500) {
    const out = await new Deno.Command("cp", {
      args: ["-al", "--parents", "-t", copyDir, "--", ...plan.link.slice(i, i + 500)],
      cwd: sourceDir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`cp -al --parents: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
  }
}
