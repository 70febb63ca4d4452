/**
 * Where a cached (offline) buildpack keeps a dependency: libbuildpack's
 * `dependencies/<md5 of uri>/<basename>` layout, shared by the installer and
 * the packager. md5 comes from `@noble/hashes` (about 4 ms to load) rather
 * than `node:crypto` (about 30 ms): every cold staging looks here before the
 * runtime's extraction can start.
 * @module
 */
import { md5 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { basename, join } from "../path.ts";
import type { Dependency } from "../manifest.ts";

/** Lowercase hex md5 of a text (UTF-8). Pure. */
export function md5Hex(text: string): string {
  return bytesToHex(md5(new TextEncoder().encode(text)));
}

/** A cached (offline) buildpack's copy of a dependency: `dependencies/<md5 of uri>/<basename>`. */
export function bundledPath(root: string, dep: Dependency): string {
  if (dep.file) return dep.file.startsWith("/") ? dep.file : join(root, dep.file);
  return join(root, "dependencies", md5Hex(dep.uri), basename(new URL(dep.uri).pathname));
}
