/**
 * Directory tree helpers: copying with exclusions (keeping modes, mtimes and
 * symlinks), making a tree read-only, and snapshots to detect writes.
 * @module
 */
import { join } from "node:path";

/** Decides whether a path (relative, `/`-separated) is left out of a copy. */
export type Exclude = (relPath: string, isDir: boolean) => boolean;

/**
 * Copy `src` into `dest` (created if needed). Files keep their mode and
 * mtime; symlinks are copied as symlinks; sockets and fifos are skipped.
 */
export async function copyTree(
  src: string,
  dest: string,
  options: { exclude?: Exclude } = {},
): Promise<void> {
  await copyDir(src, dest, "", options.exclude ?? (() => false));
}

async function copyDir(src: string, dest: string, rel: string, exclude: Exclude): Promise<void> {
  const info = await Deno.stat(src);
  await Deno.mkdir(dest, { recursive: true });
  for await (const entry of Deno.readDir(src)) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const from = join(src, entry.name);
    const to = join(dest, entry.name);
    if (exclude(childRel, entry.isDirectory)) continue;
    if (entry.isSymlink) {
      await Deno.symlink(await Deno.readLink(from), to);
    } else if (entry.isDirectory) {
      await copyDir(from, to, childRel, exclude);
    } else if (entry.isFile) {
      await Deno.copyFile(from, to);
      const st = await Deno.stat(from);
      if (st.mode !== null) await Deno.chmod(to, st.mode & 0o7777);
      if (st.mtime) await Deno.utime(to, st.atime ?? st.mtime, st.mtime);
    }
  }
  if (info.mode !== null) await Deno.chmod(dest, info.mode & 0o7777);
  if (info.mtime) await Deno.utime(dest, info.atime ?? info.mtime, info.mtime);
}

async function chmodRecursive(dir: string, mode: string): Promise<void> {
  const out = await new Deno.Command("chmod", { args: ["-R", mode, dir], stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`chmod -R ${mode} ${dir} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** `chmod -R a-w`: the platform mounts buildpacks read-only. */
export function makeReadOnly(dir: string): Promise<void> {
  return chmodRecursive(dir, "a-w");
}

/** `chmod -R u+w`, so a non-root user can delete a read-only copy. */
export function makeWritable(dir: string): Promise<void> {
  return chmodRecursive(dir, "u+w");
}

/** Remove a tree, first making it writable; missing trees are fine. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await Deno.lstat(dir);
  } catch {
    return;
  }
  await makeWritable(dir).catch(() => {});
  await Deno.remove(dir, { recursive: true });
}

/** relative path => "type mode size mtime [link target]" for every entry of a tree. */
export type Snapshot = Map<string, string>;

/** Record every entry of `dir` (not following symlinks). */
export async function snapshotTree(dir: string): Promise<Snapshot> {
  const snap: Snapshot = new Map();
  const walk = async (abs: string, rel: string) => {
    for await (const entry of Deno.readDir(abs)) {
      const childAbs = join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const st = await Deno.lstat(childAbs);
      const type = st.isSymlink ? "l" : st.isDirectory ? "d" : st.isFile ? "f" : "o";
      const size = st.isDirectory ? 0 : st.size;
      let line = `${type} ${(st.mode ?? 0).toString(8)} ${size} ${st.mtime?.getTime() ?? 0}`;
      if (st.isSymlink) line += ` -> ${await Deno.readLink(childAbs)}`;
      snap.set(childRel, line);
      if (st.isDirectory) await walk(childAbs, childRel);
    }
  };
  snap.set(".", `d ${((await Deno.stat(dir)).mode ?? 0).toString(8)}`);
  await walk(dir, "");
  return snap;
}

/** What changed between two snapshots. */
export interface SnapshotDiff {
  /** Paths only in the second. */
  added: string[];
  /** Paths only in the first. */
  removed: string[];
  /** Paths whose type, mode, size, mtime or target changed. */
  changed: string[];
}

/** Compare two snapshots; all lists sorted. */
export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [path, line] of after) {
    const old = before.get(path);
    if (old === undefined) added.push(path);
    else if (old !== line) changed.push(path);
  }
  for (const path of before.keys()) if (!after.has(path)) removed.push(path);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/** True when the diff is empty. */
export function isUnchanged(diff: SnapshotDiff): boolean {
  return !diff.added.length && !diff.removed.length && !diff.changed.length;
}
