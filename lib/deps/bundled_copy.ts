/**
 * Whether a cached (offline) buildpack carries a dependency's file, and
 * where: the manifest's `file:` entry, else libbuildpack's
 * `dependencies/<md5 of uri>/<basename>`. That md5 needs `node:crypto`, whose
 * loading cost ~30 ms between `Installing python` and the extraction of
 * every cold staging (an npm md5 instead cost supply ~1.2 MiB of its
 * 64 MiB peak): it is loaded only when some `dependencies/<dir>/` holds a
 * file of that basename, which an online buildpack's never does.
 * @module
 */
import { basename, join } from "../path.ts";
import { pathExists } from "../path_exists.ts";
import type { Dependency } from "../manifest.ts";

/** A manifest `file:` entry's path: absolute as it is, else under the buildpack root. Pure. */
export function fileEntryPath(root: string, file: string): string {
  return file.startsWith("/") ? file : join(root, file);
}

/** The buildpack's own copy of `dep`'s file, if it has one. */
export async function findBundledCopy(root: string, dep: Dependency): Promise<string | undefined> {
  let candidate: string;
  if (dep.file) {
    candidate = fileEntryPath(root, dep.file);
  } else {
    const name = basename(new URL(dep.uri).pathname);
    if (!(await someDirHolds(join(root, "dependencies"), name))) return undefined;
    candidate = (await import("./bundled_path.ts")).bundledPath(root, dep);
  }
  return await pathExists(candidate) ? candidate : undefined;
}

/** Whether some directory in `dir` holds an entry `name`. */
async function someDirHolds(dir: string, name: string): Promise<boolean> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && await pathExists(join(dir, e.name, name))) return true;
    }
  } catch { /* no such dir: nothing bundled */ }
  return false;
}
