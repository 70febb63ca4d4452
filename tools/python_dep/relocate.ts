/**
 * Pure rules that make a copied CPython prefix relocatable: `$ORIGIN`-relative
 * search paths, `/usr/bin/env` shebangs, `${pcfiledir}`-relative pkg-config
 * files, and the `.pyc` header check.
 * @module
 */
import { posix } from "node:path";

/** Strip trailing slashes (but keep a lone `/`). */
function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** True when `path` is `root` or inside it (both absolute, normalised). */
export function isInside(path: string, root: string): boolean {
  const p = trimSlash(posix.normalize(path));
  const r = trimSlash(posix.normalize(root));
  return p === r || p.startsWith(r === "/" ? "/" : r + "/");
}

/**
 * The new value of a colon-separated RUNPATH/RPATH for the file at
 * `options.file` (relative to the prefix root): every entry inside one of
 * `options.prefixes` (the
 * prefix as given and its real path) becomes `$ORIGIN/<relative path>`; other
 * entries are kept as they are. Returns `undefined` when nothing changes.
 *
 * `relocateRunpath("/opt/py/lib", { file: "bin/python3.11", prefixes: ["/opt/py"] })` is
 * `$ORIGIN/../lib`; for `lib/python3.11/lib-dynload/_ssl.so` it is `$ORIGIN/../..`.
 */
export function relocateRunpath(
  value: string,
  options: { file: string; prefixes: string[] },
): string | undefined {
  const { prefixes } = options;
  const fileDir = posix.dirname(posix.normalize(options.file));
  let changed = false;
  const entries = value.split(":").map((entry) => {
    if (!entry.startsWith("/")) return entry;
    const root = prefixes.find((p) => isInside(entry, p));
    if (root === undefined) return entry;
    const target = posix.relative(trimSlash(posix.normalize(root)), posix.normalize(entry));
    const rel = posix.relative(posix.join("/", fileDir), posix.join("/", target));
    changed = true;
    return rel === "" ? "$ORIGIN" : `$ORIGIN/${rel}`;
  });
  if (!changed) return undefined;
  // Drop duplicates that the rewrite may have produced, keeping the order.
  return [...new Set(entries)].join(":");
}

/** Search-path entries that are absolute (not `$ORIGIN`-relative): not relocatable. */
export function absoluteRunpathEntries(value: string): string[] {
  return value.split(":").filter((e) => e.startsWith("/"));
}

/**
 * Rewrite a script's `#!<prefix>/bin/python...` first line to
 * `#!/usr/bin/env python3`. Returns `undefined` when the script has no such
 * shebang. Interpreter arguments are dropped (`env` cannot pass them on Linux).
 */
export function rewriteShebang(text: string, prefixes: string[]): string | undefined {
  const match = /^#![ \t]*(\S+)[^\n]*/.exec(text);
  if (!match) return undefined;
  const interpreter = match[1];
  const inPrefix = prefixes.some((p) =>
    isInside(interpreter, posix.join(p, "bin")) &&
    /^python[0-9.]*$/.test(posix.basename(interpreter))
  );
  if (!inPrefix) return undefined;
  return "#!/usr/bin/env python3" + text.slice(match[0].length);
}

/**
 * Make a pkg-config file relative to its own location: `prefix=` becomes
 * `${pcfiledir}/../..` (the file lives in `<prefix>/lib/pkgconfig`) and every
 * other mention of the prefix becomes `${prefix}`. Returns `undefined` when the
 * file does not mention the prefix.
 */
export function relocatePkgConfig(text: string, prefixes: string[]): string | undefined {
  // Longest first so /a/b/c is replaced before /a/b.
  const roots = [...new Set(prefixes.map((p) => trimSlash(p)))].sort((a, b) => b.length - a.length);
  if (!roots.some((r) => text.includes(r))) return undefined;
  return text.split("\n").map((line) => {
    if (/^prefix=/.test(line)) return "prefix=${pcfiledir}/../..";
    let out = line;
    for (const r of roots) out = out.split(r).join("${prefix}");
    return out;
  }).join("\n");
}

/** How a `.pyc` file says it should be validated (PEP 552). */
export type PycMode = "timestamp" | "checked-hash" | "unchecked-hash" | "invalid";

/**
 * The invalidation mode recorded in a `.pyc` header: the 32-bit little-endian
 * flags word after the 4-byte magic has bit 0 = hash-based and bit 1 =
 * check_source, so unchecked-hash is `0b01`, checked-hash `0b11`, timestamp `0`.
 */
export function pycMode(header: Uint8Array): PycMode {
  if (header.length < 16 || header[2] !== 0x0d || header[3] !== 0x0a) return "invalid";
  const flags = header[4] | (header[5] << 8) | (header[6] << 16) | (header[7] << 24);
  switch (flags) {
    case 0:
      return "timestamp";
    case 1:
      return "unchecked-hash";
    case 3:
      return "checked-hash";
    default:
      return "invalid";
  }
}
