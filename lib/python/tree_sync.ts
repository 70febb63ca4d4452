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

/** Every entry of the tree at `dir`, its root first, in `find`'s order. */
export async function scanEntries(dir: string): Promise<TreeEntry[]> {
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
  return parseEntries(new TextDecoder().decode(out.stdout));
}

/** The entries in {@link scanEntries}' `find` output. Pure. */
export function parseEntries(text: string): TreeEntry[] {
  const fields = text.split("\0");
  const entries: TreeEntry[] = [];
  for (let i = 0; i + 5 <= fields.length; i += 5) {
    entries.push({
      type: fields[i],
      ino: fields[i + 1],
      size: Number(fields[i + 2]),
      target: fields[i + 3],
      path: fields[i + 4],
    });
  }
  return entries;
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
 * What turns `copy` into a copy of `source`: entries whose path is new, or
 * whose kind or inode differs (a replaced file), are removed and linked
 * again; directories of the copy count as the source's by path. Pure.
 * Throws for an entry that is neither a file, a directory nor a symlink
 * (it cannot be hard-linked as it is): the caller copies afresh.
 */
export function syncPlan(copy: TreeEntry[], source: TreeEntry[]): SyncPlan {
  const have = new Map(copy.map((e) => [e.path, sameKey(e)]));
  const want = new Map(source.map((e) => [e.path, e]));
  const remove: string[] = [];
  for (const [path, key] of have) {
    const now = want.get(path);
    if (now === undefined || sameKey(now) !== key) remove.push(path);
  }
  // Removing a directory removes what is under it.
  const gone = new Set(remove);
  const kept = (path: string) => have.has(path) && !gone.has(path);
  const link: string[] = [];
  for (const e of source) {
    if (e.type !== "f" && e.type !== "l" && e.type !== "d") {
      throw new Error(`${e.path || "."} is neither a file, a directory nor a symlink`);
    }
    if (kept(e.path)) continue;
    const parent = e.path.includes("/") ? e.path.slice(0, e.path.lastIndexOf("/")) : "";
    // Under a new directory: linked with it.
    if (kept(parent)) link.push(e.path);
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
