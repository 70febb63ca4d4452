/**
 * Turning a {@link LockedInstall} (what a lock file says to install) into
 * pip runs: the hash-pinned distributions in one `--require-hashes
 * --no-deps` run, then what cannot carry hashes (git, local trees, editable
 * packages), then the project itself, all with `--no-deps`, since the lock
 * is complete and pip must resolve nothing. Pure.
 *
 * Indexes: the public PyPI index a lock names is not passed to pip, so the
 * index the operator sets for staging (`PIP_INDEX_URL`, a mirror) is used;
 * the hashes guarantee the same files. Private indexes are added with
 * `--extra-index-url` (or `-i` when the lock names no public index and the
 * operator set none), with credentials from the variables the tool uses.
 * @module
 */
import type { LockedDistribution, LockedInstall, LockIndex } from "./locked.ts";
import type { InstallPlan, PipInstall } from "../install_plan.ts";
import type { ManagerName } from "./choose.ts";
import { normalizeName } from "../site_packages.ts";

/** Hosts of the public Python Package Index (not test.pypi.org: a different index). */
const PUBLIC_INDEX_HOSTS = new Set(["pypi.org", "pypi.python.org"]);

/** Whether `url` is the public PyPI index (`https://pypi.org/simple`). */
export function isPublicIndex(url: string): boolean {
  try {
    const u = new URL(url);
    return PUBLIC_INDEX_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

/** `url` with `user:password@` from the index's credential variables, when they are set. */
export function withCredentials(
  index: LockIndex,
  env: Record<string, string | undefined>,
): string {
  const names = index.credentialEnv;
  if (!names) return index.url;
  const user = env[names.username];
  const password = env[names.password];
  if (!user && !password) return index.url;
  try {
    const u = new URL(index.url);
    u.username = encodeURIComponent(user ?? "");
    u.password = encodeURIComponent(password ?? "");
    return u.toString();
  } catch {
    return index.url;
  }
}

/** The index option lines for pip and what the log should say about them. */
export function indexLines(
  indexes: LockIndex[],
  env: Record<string, string | undefined>,
  lockFile: string,
): { lines: string[]; notes: string[] } {
  const notes: string[] = [];
  const operator = Boolean(env.PIP_INDEX_URL || env.PIP_EXTRA_INDEX_URL);
  const seen = new Set<string>();
  const unique = indexes.filter((i) => !seen.has(i.url) && seen.add(i.url));
  const publicNamed = unique.some((i) => isPublicIndex(i.url));
  const privates = unique.filter((i) => !isPublicIndex(i.url));
  if (publicNamed && operator) {
    notes.push(
      `${lockFile} names the public PyPI index: installing from the staging index ` +
        "(PIP_INDEX_URL/PIP_EXTRA_INDEX_URL) instead; the lock's hashes guarantee the same files",
    );
  }
  const lines = privates.flatMap((index, i) => {
    const replace = i === 0 && !publicNamed && !operator;
    const line = `${replace ? "-i" : "--extra-index-url"} ${withCredentials(index, env)}`;
    return index.trustedHost ? [line, `--trusted-host ${hostOf(index.url)}`] : [line];
  });
  for (const index of privates) {
    const names = index.credentialEnv;
    if (names && (env[names.username] || env[names.password])) {
      notes.push(
        `Index ${index.name ?? index.url}: credentials from ${names.username}/${names.password}`,
      );
    }
  }
  return { lines, notes };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function hashedLine(d: LockedDistribution): string {
  return [d.requirement, ...[...d.hashes].sort().map((h) => `    --hash=${h}`)].join(" \\\n");
}

function unhashedLine(d: LockedDistribution): string {
  return d.kind === "editable" ? `-e ${d.requirement}` : d.requirement;
}

const LOCAL_KINDS = new Set(["path", "directory", "editable"]);

/**
 * The install plan for a lock. `inputs` are the files that decide it (the
 * lock and pyproject.toml); `projectName` is the project's own
 * distribution name, when it is installed.
 */
export function lockedPlan(
  locked: LockedInstall,
  options: {
    manager: ManagerName;
    inputs: { path: string; text: string }[];
    env: Record<string, string | undefined>;
    projectName?: string;
  },
): InstallPlan {
  const { lines: indexes, notes } = indexLines(locked.indexes, options.env, locked.lockFile);
  const hashed = locked.distributions.filter((d) => d.hashes.length > 0 && d.kind !== "editable");
  const unhashed = locked.distributions.filter((d) => !hashed.includes(d));
  const files: { path: string; text: string }[] = [];
  const installs: PipInstall[] = [];
  const file = (path: string, body: string[], flags: string[], local: boolean) => {
    files.push({ path, text: [...indexes, ...body].join("\n") + "\n" });
    installs.push({ requirements: { path, scratch: true }, flags, ...(local ? { local } : {}) });
  };
  if (hashed.length) {
    file("locked/hashed.txt", hashed.map(hashedLine), ["--require-hashes", "--no-deps"], false);
  }
  if (unhashed.length) {
    const local = unhashed.some((d) => LOCAL_KINDS.has(d.kind));
    file("locked/unhashed.txt", unhashed.map(unhashedLine), ["--no-deps"], local);
  }
  // The project too is read from a file: index options in a requirements file reach only
  // the run reading it, and the project's build backend must come from the same indexes.
  if (locked.project) {
    file("locked/project.txt", [locked.project.editable ? "-e ." : "."], ["--no-deps"], true);
  }
  const unchecked = unhashed.filter((d) => !LOCAL_KINDS.has(d.kind)).map((d) => d.name);
  if (unchecked.length) {
    notes.push(
      `Installing without hash checking: ${unchecked.join(", ")} ` +
        `(${locked.lockFile} lists no hashes for them)`,
    );
  }
  const names = locked.distributions.map((d) => d.name);
  if (locked.project && options.projectName) names.push(normalizeName(options.projectName));
  return {
    manager: options.manager,
    source: locked.lockFile,
    inputs: options.inputs,
    localPaths: [
      ...locked.distributions.filter((d) => LOCAL_KINDS.has(d.kind)).map((d) => d.requirement),
      ...(locked.project ? ["."] : []),
    ],
    hasRequirements: installs.length > 0,
    installs,
    files,
    lockedNames: [...new Set(names)].sort(),
    notes: [...locked.notes, ...notes],
  };
}
