/**
 * Which paths of an installed CPython prefix go into a dependency tarball.
 *
 * Pure: {@link selectPath} answers for one relative path (directories it drops
 * are not walked at all), {@link recordTopLevel} reads a wheel `RECORD` to
 * learn which site-packages entries belong to pip and setuptools.
 * @module
 */

/** Where things are in the prefix, relative to it (POSIX separators). */
export interface PrefixLayout {
  /** `3.11` */
  minor: string;
  /** The stdlib directory, `lib/python3.11` (`lib/python3.13t` when free-threaded). */
  stdlib: string;
  /** `lib/python3.11/site-packages` */
  sitePackages: string;
  /** Names directly inside site-packages to keep (pip, setuptools and their dist-info). */
  keepSitePackages: ReadonlySet<string>;
}

/** The distributions kept in site-packages. */
export const KEPT_DISTRIBUTIONS = ["pip", "setuptools"] as const;

/** Test suites inside the stdlib (relative to it), dropped with everything below them. */
export const STDLIB_TEST_DIRS = [
  "test",
  "idlelib/idle_test",
  "lib2to3/tests",
  "tkinter/test",
  "ctypes/test",
  "unittest/test",
  "distutils/tests",
  "sqlite3/test",
] as const;

/** Programs kept in `bin/` (the interpreter, pip and the stdlib's own scripts). */
const BIN_KEEP =
  /^(python(3(\.\d+t?)?)?(-config)?|pip(3(\.\d+)?)?|idle(3(\.\d+)?)?|pydoc(3(\.\d+)?)?|2to3(-3\.\d+)?)$/;

/** What kind of filesystem entry a path is. */
export type EntryKind = "file" | "dir" | "symlink";

/** Keep or drop, and why (for logs and tests). */
export interface Selection {
  /** Whether the path goes into the tarball. */
  keep: boolean;
  /** Short reason when dropped. */
  reason?: string;
}

const KEEP: Selection = { keep: true };
const drop = (reason: string): Selection => ({ keep: false, reason });

/**
 * Decide whether `rel` (relative to the prefix, no leading `./`) is packaged.
 * A dropped directory is dropped with all its contents.
 */
export function selectPath(
  rel: string,
  options: { kind: EntryKind; layout: PrefixLayout },
): Selection {
  const { kind, layout } = options;
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) return KEEP;
  const [top] = parts;
  const name = parts[parts.length - 1];

  if (!["bin", "lib", "include"].includes(top)) return drop("not bin/, lib/ or include/");
  if (parts.length === 1) return kind === "dir" ? KEEP : drop("stray file at the top level");
  if (name === "__pycache__") return drop("stale bytecode (recompiled)");
  if (kind !== "dir" && /\.py[co]$/.test(name)) return drop("stale bytecode (recompiled)");

  if (top === "bin") {
    if (parts.length > 2 || kind === "dir") return drop("directory in bin/");
    return BIN_KEEP.test(name) ? KEEP : drop("script of a dropped package");
  }
  if (top === "include") return KEEP;

  // lib/
  if (kind !== "dir" && /\.(a|la)$/.test(name)) return drop("static library");
  const path = parts.join("/");
  const stdlib = trim(layout.stdlib);
  if (path === stdlib || !path.startsWith(stdlib + "/")) return KEEP;
  const inStdlib = path.slice(stdlib.length + 1);
  for (const t of STDLIB_TEST_DIRS) {
    if (inStdlib === t || inStdlib.startsWith(t + "/")) return drop("test suite");
  }
  const site = trim(layout.sitePackages);
  if (path.startsWith(site + "/")) {
    const entry = path.slice(site.length + 1).split("/")[0];
    return layout.keepSitePackages.has(entry)
      ? KEEP
      : drop("site-package other than pip/setuptools");
  }
  return KEEP;
}

function trim(path: string): string {
  return path.replace(/^\.\//, "").replace(/\/+$/, "");
}

/** Split one CSV line of a wheel RECORD into fields (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * The names directly inside site-packages that a distribution installed,
 * read from its `RECORD` (`pip/__init__.py,sha256=...,123` gives `pip`).
 * Paths leaving site-packages (`../../../bin/pip`) are ignored.
 */
export function recordTopLevel(record: string): string[] {
  const names = new Set<string>();
  for (const line of record.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const path = csvFields(line)[0].replace(/\\/g, "/").replace(/^\.\//, "");
    const first = path.split("/")[0];
    if (!first || first === ".." || path.startsWith("/")) continue;
    names.add(first);
  }
  return [...names].sort();
}

/** True for a site-packages `<name>-<version>.dist-info` of a kept distribution. */
export function isKeptDistInfo(entry: string): boolean {
  const m = /^(.+?)-[^-]+\.dist-info$/.exec(entry);
  return m !== null &&
    (KEPT_DISTRIBUTIONS as readonly string[]).includes(m[1].toLowerCase().replace(/[-.]/g, "_"));
}

/** What a kept distribution installs when its RECORD is missing. */
const FALLBACK_TOP_LEVEL: Record<string, string[]> = {
  pip: ["pip"],
  setuptools: ["setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth"],
};

/**
 * The site-packages entries to keep: the dist-info directories of pip and
 * setuptools plus everything their RECORDs name.
 * @param entries the names directly inside site-packages
 * @param readRecord the RECORD text of a dist-info directory, or undefined when missing
 */
export function keptSitePackages(
  entries: string[],
  readRecord: (distInfo: string) => string | undefined,
): Set<string> {
  const keep = new Set<string>();
  for (const entry of entries) {
    if (!isKeptDistInfo(entry)) continue;
    keep.add(entry);
    const record = readRecord(entry);
    const dist = entry.replace(/-[^-]+\.dist-info$/, "").toLowerCase();
    const names = record === undefined ? FALLBACK_TOP_LEVEL[dist] ?? [] : recordTopLevel(record);
    for (const n of names) keep.add(n);
  }
  // CPython's own placeholder file.
  if (entries.includes("README.txt")) keep.add("README.txt");
  return keep;
}
