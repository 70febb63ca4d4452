/**
 * Where a cached (offline) buildpack keeps a dependency: libbuildpack's
 * `dependencies/<md5 of uri>/<basename>` layout, shared by the installer and
 * the packager. Its own module because md5 needs `node:crypto`, which the
 * installer loads only when a copy may be there (`bundled_copy.ts`).
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join } from "../path.ts";
import type { Dependency } from "../manifest.ts";
import { fileEntryPath } from "./bundled_copy.ts";

/** A cached (offline) buildpack's copy of a dependency: `dependencies/<md5 of uri>/<basename>`. */
export function bundledPath(root: string, dep: Dependency): string {
  if (dep.file) return fileEntryPath(root, dep.file);
  const md5 = createHash("md5").update(dep.uri).digest("hex");
  return join(root, "dependencies", md5, basename(new URL(dep.uri).pathname));
}
