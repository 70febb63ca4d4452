/**
 * Pure rules of the `--cf-layout` runtime, shaped like the official Cloud
 * Foundry python tarballs: no RUNPATH at all (the buildpack's
 * `LD_LIBRARY_PATH` must find libpython), and the Tcl/Tk libraries `_tkinter`
 * needs bundled under `usr/lib/<multiarch>/`, which the buildpack links into
 * `deps/<IDX>/lib`.
 * @module
 */

/** One resolved line of `ldd` output. */
export interface LddEntry {
  /** The soname asked for, `libtcl8.6.so`. */
  soname: string;
  /** Where the loader found it, absolute. */
  path: string;
}

/**
 * The resolved libraries in `ldd` output (`name => /path (0x...)` lines);
 * the vdso, the loader and `not found` lines are left out.
 */
export function parseLdd(text: string): LddEntry[] {
  const found: LddEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line);
    if (m) found.push({ soname: m[1], path: m[2] });
  }
  return found;
}

/**
 * Libraries of `_tkinter` that the stacks' base image does not carry and
 * the official tarballs therefore ship: Tcl and Tk themselves. Everything
 * else `ldd` lists (libc, X11, fontconfig, freetype, zlib, ...) is part of
 * cflinuxfs4's base image.
 */
const NOT_IN_STACK = /^lib(tcl|tk)\d+(\.\d+)*\.so(\.\d+)*$/;

/** Which of `_tkinter`'s libraries the runtime must bundle, by soname, sorted. */
export function librariesToBundle(entries: LddEntry[]): LddEntry[] {
  const picked = new Map<string, LddEntry>();
  for (const e of entries) if (NOT_IN_STACK.test(e.soname)) picked.set(e.soname, e);
  return [...picked.values()].sort((a, b) => (a.soname < b.soname ? -1 : 1));
}

/**
 * The Debian multiarch directory name for a Deno `build.arch`
 * (`x86_64` -> `x86_64-linux-gnu`): the official tarballs put their extra
 * libraries in `usr/lib/<this>/`.
 */
export function multiarch(arch: string): string {
  return `${arch}-linux-gnu`;
}

/** Top-level directories of a runtime tarball: `usr` only when libraries are bundled. */
export function tarballDirs(hasUsr: boolean): string[] {
  return hasUsr ? ["bin", "include", "lib", "usr"] : ["bin", "include", "lib"];
}
