/**
 * Python runtimes for end-to-end tests: packages the newest installed pyenv
 * CPython of a minor version with the python-dep builder (tools/python_dep)
 * into `tests/.cache/runtimes/`, cached between runs, and writes buildpack
 * manifests that point at them.
 *
 * The cache key covers the prefix path, the version and the builder's own
 * sources, so changing the builder rebuilds. Builds are serialised between
 * processes with a lock file and land under their final name by a rename, so
 * two test files asking at once get one build.
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { buildPythonDependency } from "../../tools/python_dep/package.ts";
import { DEFAULT_STACK, fileUri } from "../../tools/python_dep/manifest_entry.ts";

/** A packaged runtime, ready for a manifest. */
export interface BuiltRuntime {
  /** Full version, `3.11.7`. */
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** sha256 of the tarball, hex. */
  sha256: string;
  /** `file://` URI of the tarball. */
  uri: string;
}

const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const BUILDER_DIR = join(REPO, "tools", "python_dep");
/** Where built runtimes are cached (gitignored through `tests/.cache/`). */
export const RUNTIME_CACHE = join(REPO, "tests", ".cache", "runtimes");

const STALE_LOCK_MS = 15 * 60 * 1000;
const PRUNE_AFTER_MS = 60 * 60 * 1000;

function runSync(program: string, args: string[]): string | undefined {
  try {
    const out = new Deno.Command(program, { args, stdout: "piped", stderr: "null", stdin: "null" })
      .outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

async function runText(program: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(program, {
      args,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest plain CPython release of `minor` (`3.11`) in a
 * `pyenv versions --bare` listing; virtualenvs, `-dev`, pypy and free-threaded
 * builds are ignored.
 */
export function newestOfMinor(listing: string, minor: string): string | undefined {
  const versions = listing.split("\n").map((l) => l.trim())
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.startsWith(minor + "."));
  return versions.sort(compareVersions).pop();
}

/**
 * Why end-to-end tests cannot run here, or `undefined` when they can: pyenv,
 * tar and gzip are needed, and with `minor` also an installed CPython of it.
 * Meant for `Deno.test({ ignore: skipReason() !== undefined, ... })`.
 */
export function skipReason(minor?: string): string | undefined {
  const listing = runSync("pyenv", ["versions", "--bare"]);
  if (listing === undefined) {
    return "pyenv is not installed (end-to-end tests need a pyenv CPython)";
  }
  for (const tool of ["tar", "gzip"]) {
    if (runSync(tool, ["--version"]) === undefined) return `${tool} is not installed`;
  }
  if (minor !== undefined && newestOfMinor(listing, minor) === undefined) {
    return `no pyenv CPython ${minor}.x is installed (pyenv versions --bare)`;
  }
  return undefined;
}

async function builderHash(): Promise<string> {
  const hash = createHash("sha256");
  const names: string[] = [];
  for await (const e of Deno.readDir(BUILDER_DIR)) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) names.push(e.name);
  }
  for (const name of names.sort()) {
    hash.update(name + "\0");
    hash.update(await Deno.readFile(join(BUILDER_DIR, name)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

async function readCached(dir: string): Promise<BuiltRuntime | undefined> {
  try {
    const runtime = JSON.parse(await Deno.readTextFile(join(dir, "runtime.json"))) as
      & BuiltRuntime
      & { size: number };
    const tarball = join(dir, basename(runtime.tarball));
    const st = await Deno.stat(tarball);
    if (!st.isFile || st.size !== runtime.size) return undefined;
    return { version: runtime.version, tarball, sha256: runtime.sha256, uri: fileUri(tarball) };
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Take the lock file, waiting while a live process holds it; returns false if `done()` came true. */
async function acquireLock(lock: string, done: () => Promise<boolean>): Promise<boolean> {
  while (true) {
    if (await done()) return false;
    try {
      const file = await Deno.open(lock, { createNew: true, write: true });
      await file.write(new TextEncoder().encode(String(Deno.pid)));
      file.close();
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    try {
      const pid = Number((await Deno.readTextFile(lock)).trim());
      const age = Date.now() - ((await Deno.stat(lock)).mtime?.getTime() ?? 0);
      if ((pid > 0 && !processAlive(pid)) || age > STALE_LOCK_MS) {
        await Deno.remove(lock).catch(() => {});
        continue;
      }
    } catch { /* lock vanished or half-written: retry */ }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function build(minor: string, cfLayout: boolean): Promise<BuiltRuntime | undefined> {
  const listing = await runText("pyenv", ["versions", "--bare"]);
  if (listing === undefined) return undefined;
  const version = newestOfMinor(listing, minor);
  if (version === undefined) return undefined;
  const prefix = (await runText("pyenv", ["prefix", version]))?.trim();
  if (!prefix) return undefined;

  const key = createHash("sha256")
    .update(`${await Deno.realPath(prefix)}\0${version}\0${await builderHash()}\0${cfLayout}`)
    .digest("hex").slice(0, 16);
  const kind = cfLayout ? `python-cf-${version}-` : `python-${version}-`;
  const name = `${kind}${key}`;
  const final = join(RUNTIME_CACHE, name);
  const cached = await readCached(final);
  if (cached) return cached;

  await Deno.mkdir(RUNTIME_CACHE, { recursive: true });
  const lock = join(RUNTIME_CACHE, `${name}.lock`);
  if (!(await acquireLock(lock, async () => (await readCached(final)) !== undefined))) {
    return await readCached(final);
  }
  const tmp = join(RUNTIME_CACHE, `.tmp-${name}-${crypto.randomUUID()}`);
  try {
    console.error(
      `Building the python ${version}${cfLayout ? " CF-layout" : ""} runtime for tests ` +
        `(cached in ${final})`,
    );
    // The CF layout ships no bytecode either, as the official tarballs: its
    // stagings take the buildpack's compile-beside-pip path.
    const built = await buildPythonDependency({
      prefix,
      version,
      outDir: tmp,
      cfLayout,
      bytecode: !cfLayout,
    });
    await Deno.writeTextFile(
      join(tmp, "runtime.json"),
      JSON.stringify(
        {
          version: built.version,
          tarball: basename(built.path),
          sha256: built.sha256,
          size: built.size,
          prefix,
          cfLayout,
          bytecode: !cfLayout,
          timings: built.timings,
          verified: built.verified,
        },
        null,
        2,
      ) + "\n",
    );
    await Deno.remove(final, { recursive: true }).catch(() => {}); // a broken leftover
    await Deno.rename(tmp, final);
    // Builds of this version by other builder sources are dead weight once
    // nobody can still be staging from them (an hour old).
    for await (const e of Deno.readDir(RUNTIME_CACHE)) {
      if (!e.isDirectory || !e.name.startsWith(kind) || e.name === name) continue;
      const old = join(RUNTIME_CACHE, e.name);
      const mtime = (await Deno.stat(old)).mtime?.getTime() ?? 0;
      if (Date.now() - mtime > PRUNE_AFTER_MS) {
        await Deno.remove(old, { recursive: true }).catch(() => {});
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(lock).catch(() => {});
  }
  return await readCached(final);
}

const inProcess = new Map<string, Promise<BuiltRuntime | undefined>>();

/**
 * The newest installed pyenv CPython of `minor` (`"3.11"`) packaged as a
 * dependency tarball, built on first use and cached in `tests/.cache/runtimes/`.
 * `undefined` when pyenv or that minor version is missing.
 * @throws BuildpackError when the build itself fails
 */
export function pythonRuntime(minor: string): Promise<BuiltRuntime | undefined> {
  return cachedBuild(minor, false);
}

/**
 * A runtime's tarball extracted into `<work>/python` (which must not exist),
 * and the environment to run its python with (its libpython on
 * `LD_LIBRARY_PATH`, as the buildpack gives it).
 */
export async function unpackRuntime(
  runtime: BuiltRuntime,
  work: string,
): Promise<{ py: string; env: Record<string, string> }> {
  const py = join(work, "python");
  await Deno.mkdir(py);
  const tar = await new Deno.Command("tar", { args: ["xzf", runtime.tarball, "-C", py] }).output();
  if (!tar.success) throw new Error(`tar xzf ${runtime.tarball} failed`);
  return { py, env: { PATH: "/usr/bin:/bin", LD_LIBRARY_PATH: join(py, "lib") } };
}

/**
 * Like {@link pythonRuntime}, but shaped like the official Cloud Foundry
 * tarballs (`python-dep --cf-layout --no-bytecode`): no RUNPATH, so it runs
 * only with the buildpack's `LD_LIBRARY_PATH`, Tcl/Tk under
 * `usr/lib/<multiarch>/` when the pyenv build has `_tkinter`, and no `.pyc`
 * files. Cached as `python-cf-<version>-*`.
 */
export function cfLayoutRuntime(minor: string): Promise<BuiltRuntime | undefined> {
  return cachedBuild(minor, true);
}

function cachedBuild(minor: string, cfLayout: boolean): Promise<BuiltRuntime | undefined> {
  if (!/^\d+\.\d+$/.test(minor)) {
    throw new Error(`pythonRuntime wants a minor version like 3.11, got '${minor}'`);
  }
  const id = `${minor}${cfLayout ? "-cf" : ""}`;
  let pending = inProcess.get(id);
  if (!pending) {
    pending = build(minor, cfLayout);
    pending.catch(() => inProcess.delete(id));
    inProcess.set(id, pending);
  }
  return pending;
}

/** Remove common leading indentation and blank edges of a YAML snippet. */
function dedent(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join("\n");
}

function indent(text: string, by: string): string {
  return text.split("\n").map((l) => (l ? by + l : l)).join("\n");
}

/** Files the buildpack package of a test manifest lists. */
export const TEST_INCLUDE_FILES = [
  "VERSION",
  "bin/buildpack",
  "bin/compile",
  "bin/detect",
  "bin/finalize",
  "bin/release",
  "bin/supply",
  "manifest.yml",
];

/**
 * A buildpack `manifest.yml` for staging with the emulator: `language: python`,
 * `default_versions` (default: `<major.minor>.x` of the first runtime), one
 * `dependencies:` entry per runtime for `stack` (default cflinuxfs4), then
 * `extra` (raw YAML sequence items such as `- name: pip ...`, any
 * indentation) appended to `dependencies`, and `include_files`.
 */
export function testManifest(
  runtimes: BuiltRuntime[],
  options: { defaultVersion?: string; stack?: string; extra?: string } = {},
): string {
  const stack = options.stack ?? DEFAULT_STACK;
  const defaultVersion = options.defaultVersion ??
    (runtimes.length ? runtimes[0].version.split(".").slice(0, 2).join(".") + ".x" : undefined);
  let text = stringify({ language: "python" });
  if (defaultVersion !== undefined) {
    text += stringify({ default_versions: [{ name: "python", version: defaultVersion }] });
  }
  const deps = runtimes.map((r) => ({
    name: "python",
    version: r.version,
    uri: r.uri,
    sha256: r.sha256,
    cf_stacks: [stack],
  }));
  const extra = options.extra?.trim() ? dedent(options.extra) + "\n" : "";
  if (deps.length === 0 && !extra) text += "dependencies: []\n";
  else {
    text += "dependencies:\n";
    if (deps.length) text += indent(stringify(deps), "  ");
    if (extra) text += indent(extra, "  ");
  }
  text += stringify({ include_files: TEST_INCLUDE_FILES });
  return text;
}
