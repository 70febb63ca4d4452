/**
 * What staging costs without the buildpack: GNU `tar xzf` of the runtime
 * tarball, then the very `python -m pip install -r requirements.txt ...`
 * command supply runs, with the environment supply gives pip (built by the
 * buildpack's own `stagingEnv` and `pythonEnv`) and a cold pip cache. Also
 * the extraction race: `extractArchive` against `tar xzf`.
 * @module
 */
import { join } from "node:path";
import { extractArchive } from "../lib/deps/extract.ts";
import { pythonEnv } from "../lib/python/pip.ts";
import { stagingEnv as depsStagingEnv } from "../lib/stage/staging_env.ts";
import { freshStaging, stagingEnv } from "./staging.ts";
import { runChecked, runTimed, sync } from "./support.ts";

/** One by-hand staging: the two steps, ms. */
export interface ByHandRun {
  tarMs: number;
  pipMs: number;
  /** pip's `Successfully installed` line (to check it did the same work). */
  installed: string;
}

/** `tar xzf` into `<deps>/0/python` then pip, in fresh directories under `root` (left there). */
export async function byHandStaging(
  root: string,
  tarball: string,
  pip: Record<string, string>,
): Promise<ByHandRun> {
  const dirs = await freshStaging(root);
  const depsIdxDir = join(dirs.depsDir, "0");
  const pythonDir = join(depsIdxDir, "python");
  // supply makes these before pip runs; they change the PATHs pip gets.
  for (const sub of ["bin", "lib", "include", "pkgconfig"]) {
    await Deno.mkdir(join(depsIdxDir, sub), { recursive: true });
  }
  await Deno.mkdir(pythonDir);
  await sync();
  let started = performance.now();
  await runChecked("tar", ["xzf", tarball, "-C", pythonDir]);
  const tarMs = performance.now() - started;

  const base = stagingEnv(dirs.home, pip);
  const env = pythonEnv(depsStagingEnv(dirs.depsDir, base), {
    cacheDir: dirs.cacheDir,
    depsIdxDir,
  });
  const args = [
    "-m",
    "pip",
    "install",
    "-r",
    "requirements.txt",
    "--exists-action=w",
    `--src=${join(depsIdxDir, "src")}`,
    "--no-warn-script-location",
  ];
  await sync();
  started = performance.now();
  const r = await runTimed(join(pythonDir, "bin", "python3"), args, { env, cwd: dirs.buildDir });
  const pipMs = performance.now() - started;
  if (r.code !== 0) {
    throw new Error(`pip by hand failed (${r.code}):\n${r.lines.map((l) => l.text).join("\n")}`);
  }
  const installed = r.lines.find((l) => l.text.startsWith("Successfully installed"))?.text ?? "";
  return { tarMs, pipMs, installed };
}

/** Python and pip versions of a runtime tarball (extracted into `scratch`, left there). */
export async function runtimeVersions(
  tarball: string,
  scratch: string,
): Promise<{ python: string; pip: string }> {
  await Deno.mkdir(scratch, { recursive: true });
  await runChecked("tar", ["xzf", tarball, "-C", scratch]);
  const env = {
    PATH: "/usr/bin:/bin",
    LD_LIBRARY_PATH: join(scratch, "lib"),
    PYTHONNOUSERSITE: "1",
  };
  const py = join(scratch, "bin", "python3");
  const python = (await runChecked(py, ["-c", "import sys; print(sys.version.split()[0])"], {
    env,
  })).trim();
  const pipVersion = (await runChecked(py, ["-m", "pip", "--version"], { env })).split(" ")[1];
  return { python, pip: pipVersion };
}

/** One round of the extraction race, ms. */
export interface ExtractRun {
  extractArchiveMs: number;
  tarMs: number;
}

/**
 * `extractArchive` (in this process) and `tar xzf` (a child) of the same
 * tarball into fresh directories `<root>/<name>-{ours,tar}` (left there);
 * `extractArchive` goes first when `oursFirst`.
 */
export async function extractionRound(
  root: string,
  tarball: string,
  name: string,
  oursFirst: boolean,
): Promise<ExtractRun> {
  const ours = join(root, `${name}-ours`);
  const gnu = join(root, `${name}-tar`);
  await Deno.mkdir(gnu, { recursive: true });
  const timeOurs = async () => {
    await sync();
    const t = performance.now();
    await extractArchive(tarball, ours);
    return performance.now() - t;
  };
  const timeTar = async () => {
    await sync();
    const t = performance.now();
    await runChecked("tar", ["xzf", tarball, "-C", gnu]);
    return performance.now() - t;
  };
  let extractArchiveMs: number;
  let tarMs: number;
  if (oursFirst) {
    extractArchiveMs = await timeOurs();
    tarMs = await timeTar();
  } else {
    tarMs = await timeTar();
    extractArchiveMs = await timeOurs();
  }
  return { extractArchiveMs, tarMs };
}

/**
 * Decompression alone, ms: `DecompressionStream("gzip")` over the file in
 * this process (what extractArchive inflates with) and `gzip -dc` to
 * /dev/null (what GNU tar runs beside itself).
 */
export async function inflateOnly(tarball: string): Promise<{ streamMs: number; gzipMs: number }> {
  let t = performance.now();
  {
    using file = await Deno.open(tarball);
    let n = 0;
    for await (const c of file.readable.pipeThrough(new DecompressionStream("gzip"))) n += c.length;
    if (n === 0) throw new Error(`${tarball} inflated to nothing`);
  }
  const streamMs = performance.now() - t;
  t = performance.now();
  await runChecked("sh", ["-c", 'exec gzip -dc < "$1" > /dev/null', "sh", tarball]);
  return { streamMs, gzipMs: performance.now() - t };
}
