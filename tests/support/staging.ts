/**
 * Staging real apps through the emulator with real runtimes, for the
 * end-to-end tests.
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stage, type StageResult, start } from "../../tools/stage/mod.ts";
import { mirrorEnv } from "./pip_mirror.ts";

/** The repo root (the buildpack under test). */
export const REPO: string = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** A fixture app dir under tests/fixtures. */
export function fixture(name: string): string {
  return join(REPO, "tests", "fixtures", name);
}

/** Options of {@link stageApp}. */
export interface StageAppOptions {
  /** manifest.yml text the buildpack copy gets. */
  manifest: string;
  /** Directory for the app cache tarball (kept between stagings). */
  cacheDir?: string;
  /** Extra staging env (on top of the pip mirror's). */
  env?: Record<string, string>;
  /** Use no pip mirror settings. */
  noMirror?: boolean;
  /** Replace the buildpack dir (default: this repo). */
  buildpack?: string;
  /** Several buildpacks (multi-buildpack); `manifest` is then not applied. */
  buildpacks?: string[];
  /** `cf push -c`. */
  startCommand?: string;
}

/** Stage `appDir` with this buildpack and `manifest`; the log is kept, not printed. */
export async function stageApp(appDir: string, options: StageAppOptions): Promise<StageResult> {
  const scratch = await Deno.makeTempDir({ prefix: "e2e-manifest-" });
  try {
    const manifest = join(scratch, "manifest.yml");
    await Deno.writeTextFile(manifest, options.manifest);
    const mirror = options.noMirror ? {} : (await mirrorEnv()) ?? {};
    return await stage({
      appDir,
      buildpacks: options.buildpacks ?? [options.buildpack ?? REPO],
      manifest: options.buildpacks ? undefined : manifest,
      startCommand: options.startCommand,
      cacheDir: options.cacheDir,
      env: { ...mirror, ...options.env },
      output: () => {},
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** Start a droplet, run `fn` against it, always stop it. */
export async function withRunningApp<T>(
  droplet: string,
  fn: (url: string, log: () => string) => Promise<T>,
): Promise<T> {
  const app = await start(droplet, { output: () => {} });
  try {
    return await fn(app.url, () => app.log());
  } finally {
    await app.stop();
  }
}

/** GET `url` and return status and body text. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** Fail a test with the staging log when staging did not succeed. */
export function assertStaged(result: StageResult): string {
  if (result.exitCode !== 0 || !result.dropletPath) {
    throw new Error(`staging failed with exit code ${result.exitCode}:\n${result.log}`);
  }
  return result.dropletPath;
}

/** List the droplet's files (GNU tar). */
export async function dropletEntries(droplet: string): Promise<string[]> {
  const out = await new Deno.Command("tar", { args: ["tzf", droplet], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

/** The text of one droplet entry (`./deps/0/...`). */
async function dropletText(droplet: string, entry: string): Promise<string> {
  const out = await new Deno.Command("tar", {
    args: ["xzOf", droplet, entry],
    stdout: "piped",
  }).output();
  if (!out.success) throw new Error(`no ${entry} in ${droplet}`);
  return new TextDecoder().decode(out.stdout);
}

/** The components of the staging SBOM in a droplet (`deps/0/sbom.cdx.json`). */
export async function dropletSbom(
  droplet: string,
): Promise<{ name: string; version: string; hashes?: { alg: string; content: string }[] }[]> {
  return JSON.parse(await dropletText(droplet, "./deps/0/sbom.cdx.json")).components;
}

/** Extract the droplet into a fresh temp dir; caller removes it. */
export async function extractDroplet(droplet: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-droplet-" });
  const out = await new Deno.Command("tar", { args: ["xzf", droplet, "-C", dir] }).output();
  if (!out.success) throw new Error(`tar xzf ${droplet} failed`);
  return dir;
}

/** Remove a staging's leftovers (work dir with the droplet). */
export async function cleanup(result: StageResult): Promise<void> {
  await Deno.remove(result.workDir, { recursive: true }).catch(() => {});
}

/**
 * The droplet has bytecode for every module of `packages` (compiled beside
 * pip, which ran with --no-compile) and each one's RECORD lists it, as pip
 * with compiling leaves them. Python 3.11 runtimes.
 */
export async function assertBytecode(droplet: string, packages: string[]): Promise<void> {
  const entries = await dropletEntries(droplet);
  const sitePackages = "./deps/0/python/lib/python3.11/site-packages/";
  for (const name of packages) {
    const sources = entries.filter((e) =>
      e.startsWith(`${sitePackages}${name}/`) && e.endsWith(".py")
    );
    assert.ok(sources.length > 0, `${name} is installed`);
    for (const source of sources) {
      const rel = source.slice(sitePackages.length);
      const pyc = rel.replace(/([^/]+)\.py$/, "__pycache__/$1.cpython-311.pyc");
      assert.ok(entries.includes(sitePackages + pyc), `${pyc} is in the droplet`);
    }
    const record = entries.find((e) =>
      e.startsWith(sitePackages) && new RegExp(`/${name}-[^/]+\\.dist-info/RECORD$`, "i").test(e)
    );
    assert.ok(record, `${name}'s RECORD`);
    const rows = (await dropletText(droplet, record)).split("\r\n");
    const pyc = `${name}/__pycache__/__init__.cpython-311.pyc,,`;
    assert.ok(rows.includes(pyc), `${record} lists ${pyc}`);
  }
}

/**
 * `.pyc` files under the droplet's stdlib by kind (PEP 552 flags: 0
 * timestamp, as Python writes at import; 1 unchecked-hash, as the buildpack's
 * compiler beside pip writes them).
 */
export async function stdlibPycKinds(
  droplet: string,
): Promise<{ timestamp: number; unchecked: number }> {
  const root = await extractDroplet(droplet);
  const kinds = { timestamp: 0, unchecked: 0 };
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory && e.name !== "site-packages") await walk(path);
      if (!e.isFile || !e.name.endsWith(".pyc")) continue;
      const flags = new DataView((await Deno.readFile(path)).buffer).getUint32(4, true);
      if (flags === 0) kinds.timestamp++;
      if (flags === 1) kinds.unchecked++;
    }
  };
  try {
    await walk(join(root, "deps", "0", "python", "lib", "python3.11"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return kinds;
}
