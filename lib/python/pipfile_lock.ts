/**
 * Turning a Pipenv `Pipfile.lock` into a pip requirements file: the locked
 * `default` packages as `name==version` lines with their markers and
 * `--hash` options (so pip runs in hash-checking mode), the lock's
 * `sources` as `-i` / `--extra-index-url` / `--trusted-host`. Pure.
 * @module
 */

/** One package entry of a lock's `default` section (the fields we read). */
export interface LockedPackage {
  /** `==1.2.3` */
  version?: string;
  /** `sha256:...` entries. */
  hashes?: string[];
  /** PEP 508 markers, `python_version >= '3.8'`. */
  markers?: string;
  /** Extras, `["security"]`. */
  extras?: string[];
  /** VCS checkouts: the repository URL. */
  git?: string;
  /** VCS ref. */
  ref?: string;
  /** Local path (`.`). */
  path?: string;
  /** URL or local archive. */
  file?: string;
  /** Installed editable. */
  editable?: boolean;
}

/** The generated requirements text and facts about it. */
export interface LockRequirements {
  /** requirements.txt text, one package a line, sorted by name. */
  text: string;
  /** Number of packages. */
  count: number;
  /** Whether every line carries hashes (pip runs in hash-checking mode). */
  hashed: boolean;
  /** Packages that cannot carry hashes (VCS, paths), which turned hash checking off. */
  unhashable: string[];
}

/** Something wrong with the lock file; the caller turns it into a BuildpackError. */
export class LockProblem extends Error {}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Expand `${VAR}` and `$VAR` in a source URL as Pipenv does.
 * @throws LockProblem naming the unset variable
 */
export function expandEnv(url: string, env: Record<string, string | undefined>): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => {
    const name = a ?? b;
    const value = env[name];
    if (value === undefined) {
      throw new LockProblem(
        `its source URL ${url} uses \${${name}}, which is not set in the staging environment`,
      );
    }
    return value;
  });
}

function sourceLines(
  sources: unknown,
  env: Record<string, string | undefined>,
): string[] {
  if (sources === undefined) return [];
  if (!Array.isArray(sources)) throw new LockProblem(`"_meta.sources" is not a list`);
  const lines: string[] = [];
  sources.forEach((s, i) => {
    if (typeof s !== "object" || s === null || typeof (s as { url?: unknown }).url !== "string") {
      throw new LockProblem(`"_meta.sources[${i}]" has no "url" string`);
    }
    const source = s as { url: string; verify_ssl?: boolean };
    const url = expandEnv(source.url, env);
    lines.push(`${i === 0 ? "-i" : "--extra-index-url"} ${url}`);
    if (source.verify_ssl === false) {
      try {
        lines.push(`--trusted-host ${new URL(url).host}`);
      } catch { /* pip reports a bad URL itself */ }
    }
  });
  return lines;
}

function requirement(name: string, pkg: LockedPackage): { line: string; hashable: boolean } {
  const extras = pkg.extras?.length ? `[${[...pkg.extras].sort().join(",")}]` : "";
  const markers = pkg.markers ? `; ${pkg.markers}` : "";
  if (pkg.git) {
    const ref = pkg.ref ? `@${pkg.ref}` : "";
    const url = `git+${pkg.git.replace(/^git\+/, "")}${ref}#egg=${name}`;
    return { line: `${pkg.editable ? "-e " : ""}${url}`, hashable: false };
  }
  if (pkg.path !== undefined || pkg.file !== undefined) {
    const where = (pkg.path ?? pkg.file)!;
    return {
      line: `${pkg.editable ? "-e " : ""}${where}`,
      hashable: false,
    };
  }
  if (!pkg.version) throw new LockProblem(`package "${name}" has no "version"`);
  const version = pkg.version.startsWith("=") || /^[<>!~]/.test(pkg.version)
    ? pkg.version
    : `==${pkg.version}`;
  return { line: `${name}${extras}${version}${markers}`, hashable: true };
}

/**
 * The requirements for the lock's `default` packages, sorted by name so the
 * same lock always gives the same file. `env` expands `${VAR}` in source URLs.
 * @throws LockProblem when the lock is not JSON or not shaped like a Pipenv lock
 */
export function lockToRequirements(
  text: string,
  env: Record<string, string | undefined>,
): LockRequirements {
  let lock: unknown;
  try {
    lock = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new LockProblem(`it is not valid JSON (${(e as Error).message})`);
  }
  if (typeof lock !== "object" || lock === null || Array.isArray(lock)) {
    throw new LockProblem("it is not a JSON object");
  }
  const { _meta, default: deflt } = lock as { _meta?: { sources?: unknown }; default?: unknown };
  if (
    deflt !== undefined && (typeof deflt !== "object" || deflt === null || Array.isArray(deflt))
  ) {
    throw new LockProblem(`"default" is not an object of packages`);
  }
  const packages = Object.entries((deflt ?? {}) as Record<string, unknown>)
    .sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const lines: { line: string; hashes: string[]; hashable: boolean; name: string }[] = [];
  for (const [name, raw] of packages) {
    if (!NAME.test(name)) throw new LockProblem(`"${name}" is not a package name`);
    if (typeof raw !== "object" || raw === null) {
      throw new LockProblem(`package "${name}" is not an object`);
    }
    const pkg = raw as LockedPackage;
    const { line, hashable } = requirement(name, pkg);
    const hashes = Array.isArray(pkg.hashes) ? [...pkg.hashes].sort() : [];
    for (const h of hashes) {
      if (typeof h !== "string" || !/^[a-z0-9]+:[0-9a-f]+$/.test(h)) {
        throw new LockProblem(`package "${name}" has a malformed hash ${JSON.stringify(h)}`);
      }
    }
    lines.push({ line, hashes, hashable, name });
  }
  const unhashable = lines.filter((l) => !l.hashable).map((l) => l.name);
  const hashed = lines.length > 0 && unhashable.length === 0 &&
    lines.every((l) => l.hashes.length > 0);
  const body = lines.map((l) =>
    hashed ? [l.line, ...l.hashes.map((h) => `    --hash=${h}`)].join(" \\\n") : l.line
  );
  const out = [...sourceLines(_meta?.sources, env), ...body];
  return {
    text: out.length ? out.join("\n") + "\n" : "",
    count: lines.length,
    hashed,
    unhashable,
  };
}
