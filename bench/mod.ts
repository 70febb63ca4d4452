/**
 * `deno task bench [--runs N] [--only NAME[,NAME]] [--no-write] [--keep]`:
 * staging benchmarks of the buildpack with the real Flask + gunicorn example
 * app and a real CPython 3.11 runtime tarball (see bench/README.md).
 *
 * Benchmarks (NAME): `detect`, `extract`, `cold`, `warm`, `overhead`, `rss`.
 * A full run (no `--only`) rewrites the results block of bench/README.md and
 * every run writes `bench/.work/results.json`.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pythonRuntime } from "../tests/support/runtimes.ts";
import { mirrorEnv } from "../tests/support/pip_mirror.ts";
import { byHandStaging, extractionRound, runtimeVersions } from "./by_hand.ts";
import {
  denoDir,
  EXAMPLE_APP,
  freshStaging,
  prepareBuildpack,
  REPO,
  runPhase,
  stageOnce,
  stagingEnv,
  type StagingResult,
  supplyMarks,
} from "./staging.ts";
import {
  canSampleProc,
  gnuTime,
  removeTree,
  runTimed,
  summarize,
  sync,
  tryOutput,
} from "./support.ts";
import { type Machine, type Row, table, targetChecks, updateReadme } from "./report.ts";

const BENCHMARKS = ["detect", "extract", "cold", "warm", "overhead", "rss"] as const;
type Benchmark = typeof BENCHMARKS[number];

const WORK = join(REPO, "bench", ".work");
const README = join(REPO, "bench", "README.md");

function usage(message?: string): never {
  if (message) console.error(`bench: ${message}`);
  console.error(
    "usage: deno task bench [--runs N] [--only NAME[,NAME...]] [--no-write] [--keep]\n" +
      `NAME: ${BENCHMARKS.join(", ")}`,
  );
  Deno.exit(2);
}

function parseCli(): { runs: number; only: Set<Benchmark>; write: boolean; keep: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        runs: { type: "string", default: "5" },
        only: { type: "string", multiple: true },
        "no-write": { type: "boolean", default: false },
        keep: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  if (values.help) usage();
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    usage(`--runs wants a positive integer, got ${values.runs}`);
  }
  const names = (values.only ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(
    Boolean,
  );
  for (const n of names) {
    if (!(BENCHMARKS as readonly string[]).includes(n)) usage(`unknown benchmark '${n}'`);
  }
  const only = new Set<Benchmark>(names.length ? names as Benchmark[] : BENCHMARKS);
  return { runs, only, write: !values["no-write"] && names.length === 0, keep: values.keep };
}

function progress(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`[bench] ${text}\n`));
}

const s = (ms: number) => ms / 1000;

async function machine(tarball: string): Promise<Machine> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(
    /^model name\s*:\s*(.*)$/m,
  )?.[1];
  const versions = await runtimeVersions(tarball, join(WORK, "versions"));
  const df = (await tryOutput("df", ["-T", WORK]))?.split("\n").pop()?.split(/\s+/)[1];
  return {
    date: new Date().toISOString(),
    nproc: navigator.hardwareConcurrency,
    cpu: cpu ?? "unknown",
    memoryGiB: Deno.systemMemoryInfo().total / 2 ** 30,
    kernel: Deno.osRelease(),
    deno:
      `deno ${Deno.version.deno} (v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`,
    python: versions.python,
    pip: versions.pip,
    tar: (await tryOutput("tar", ["--version"]))?.split("\n")[0] ?? "unknown",
    filesystem: df ?? "unknown",
  };
}

async function main(): Promise<void> {
  const { runs, only, write, keep } = parseCli();
  if (only.has("overhead")) {
    // The overhead is cold supply minus the separately measured parts.
    only.add("cold");
    only.add("extract");
  }
  const runtime = await pythonRuntime("3.11");
  if (!runtime) {
    console.error("bench: no pyenv CPython 3.11 is installed; cannot build the runtime tarball");
    Deno.exit(1);
  }
  const pip = await mirrorEnv();
  if (!pip) {
    console.error("bench: pip has no local mirror configured (pip config list); cannot stage");
    Deno.exit(1);
  }
  await removeTree(WORK);
  await Deno.mkdir(WORK, { recursive: true });
  const time = await gnuTime();
  const sampling = canSampleProc();
  const info = await machine(runtime.tarball);
  progress(
    `${runs} run(s) each of ${[...only].join(", ")}; runtime ${runtime.tarball}; ` +
      `work dir ${WORK}`,
  );

  const bp = await prepareBuildpack(join(WORK, "buildpack"), runtime);
  const rows: Row[] = [];
  const add = (row: Row) => rows.push(row);
  const results: Record<string, unknown> = { machine: info, runs };

  // Warm deno's module cache for the buildpack copy (a release build is
  // compiled: it has nothing to transpile). Untimed.
  {
    const dirs = await freshStaging(join(WORK, "warmup"));
    const r = await runPhase(bp, "detect", [dirs.buildDir], stagingEnv(dirs.home, pip), dirs.home);
    if (r.code !== 0) throw new Error(`bin/detect failed: ${r.stderr}`);
    await removeTree(dirs.root);
  }

  if (only.has("detect")) {
    progress("detect");
    const dirs = await freshStaging(join(WORK, "detect"));
    const env = stagingEnv(dirs.home, pip);
    const detect: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runPhase(bp, "detect", [dirs.buildDir], env, dirs.home);
      if (r.code !== 0 || !r.lines[0]?.text.startsWith("python ")) {
        throw new Error(`bin/detect: exit ${r.code}, ${r.lines[0]?.text}`);
      }
      detect.push(s(r.ms));
    }
    // The floor of any phase under the dev shim: deno starting on an empty module.
    const empty = join(WORK, "empty.ts");
    await Deno.writeTextFile(empty, "export {};\n");
    const floor: number[] = [];
    const config = join(bp, "deno.json");
    for (let i = 0; i < runs + 1; i++) {
      const r = await runTimed(
        Deno.execPath(),
        ["run", "-A", "--no-prompt", "--quiet", "--frozen", `--config=${config}`, empty],
        { env, cwd: dirs.home },
      );
      if (r.code !== 0) throw new Error(`deno run empty.ts: ${r.stderr}`);
      if (i > 0) floor.push(s(r.ms)); // the first one fills deno's cache
    }
    add({ group: "detect", name: "bin/detect APP", unit: "s", values: detect, official: 0.009 });
    add({
      group: "detect",
      name: "  floor: deno run of an empty module (shim's flags)",
      unit: "s",
      values: floor,
    });
    results.detect = { detect, denoEmpty: floor };
    await removeTree(dirs.root);
  }

  if (only.has("extract")) {
    progress("extract");
    // One untimed round: the tarball into the page cache, the extractor JIT-warm.
    await extractionRound(join(WORK, "extract"), runtime.tarball, 0);
    const ours: number[] = [];
    const tar: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await extractionRound(join(WORK, "extract"), runtime.tarball, i);
      ours.push(s(r.extractArchiveMs));
      tar.push(s(r.tarMs));
      ratios.push(r.extractArchiveMs / r.tarMs);
    }
    add({ group: "extract", name: "extractArchive (in process)", unit: "s", values: ours });
    add({ group: "extract", name: "GNU tar xzf", unit: "s", values: tar });
    add({
      group: "extract",
      name: "ratio extractArchive / tar (median / median; min-max per round)",
      unit: "x",
      values: ratios,
      median: summarize(ours).median / summarize(tar).median,
      target: { max: 1.3, text: "<= 1.3x" },
    });
    results.extract = { extractArchive: ours, tar, ratios };
    await removeTree(join(WORK, "extract"));
  }

  // A first cold staging, untimed: it fills the page cache (wheels, deno's
  // modules) and its app cache is the "previous staging" of every warm run.
  const warmCache = join(WORK, "warm-cache", "final");
  if (only.has("cold") || only.has("warm") || only.has("rss")) {
    progress("priming staging (untimed)");
    const dirs = await freshStaging(join(WORK, "prime"), warmCache);
    await stageOnce(bp, dirs, pip, "cold");
    await removeTree(dirs.root);
  }

  const stagings = async (kind: "cold" | "warm") => {
    const out: StagingResult[] = [];
    for (let i = 0; i < runs; i++) {
      progress(`${kind} staging ${i + 1}/${runs}`);
      const dirs = await freshStaging(
        join(WORK, `${kind}-${i}`),
        kind === "warm" ? warmCache : undefined,
      );
      await sync();
      out.push(await stageOnce(bp, dirs, pip, kind));
      await removeTree(dirs.root);
    }
    return out;
  };

  const stagingRows = (kind: "cold" | "warm", list: StagingResult[]) => {
    const supply = list.map((r) => s(r.supply.ms));
    const finalize = list.map((r) => s(r.finalize.ms));
    const release = list.map((r) => s(r.release.ms));
    const total = list.map((r) => s(r.supply.ms + r.finalize.ms + r.release.ms));
    const marks = list.map((r) => supplyMarks(r.supply));
    const cold = kind === "cold";
    add({
      group: kind,
      name: "bin/supply",
      unit: "s",
      values: supply,
      official: cold ? 4.28 : 4.32,
    });
    const part = (name: string, f: (m: ReturnType<typeof supplyMarks>) => number | undefined) => {
      const values = marks.map(f).filter((v): v is number => v !== undefined).map(s);
      if (values.length === marks.length) {
        add({ group: kind, name: `  ${name}`, unit: "s", values });
      }
    };
    part("start -> first log line (deno start, module load)", (m) => m.firstLine);
    if (cold) {
      part(
        "'Installing python' -> 'Running Pip Install' (fetch, sha256, extract)",
        (m) =>
          m.pipStep !== undefined && m.installing !== undefined
            ? m.pipStep - m.installing
            : undefined,
      );
      part(
        "'Running Pip Install' -> pip's first line (python + pip start)",
        (m) =>
          m.pipFirst !== undefined && m.pipStep !== undefined ? m.pipFirst - m.pipStep : undefined,
      );
      part(
        "'Running Pip Install' -> 'Successfully installed' (pip)",
        (m) =>
          m.pipDone !== undefined && m.pipStep !== undefined ? m.pipDone - m.pipStep : undefined,
      );
      part(
        "'Successfully installed' -> exit (pip exit, relocate, links, cache save)",
        (m) => m.pipDone !== undefined ? m.exit - m.pipDone : undefined,
      );
    } else {
      part(
        "first log line -> exit (restore, check, relink, save)",
        (m) => m.firstLine !== undefined ? m.exit - m.firstLine : undefined,
      );
    }
    add({ group: kind, name: "bin/finalize", unit: "s", values: finalize, official: 0.022 });
    add({ group: kind, name: "bin/release", unit: "s", values: release, official: 0.008 });
    add({
      group: kind,
      name: "staging total (supply + finalize + release)",
      unit: "s",
      values: total,
      official: cold ? 4.33 : 4.37,
      target: cold ? { max: 3.8, text: "< 3.8 s" } : { max: 1.1, text: "< 1.1 s" },
    });
    results[kind] = { supply, finalize, release, total, marks };
    return supply;
  };

  let coldSupply: number[] = [];
  if (only.has("cold")) coldSupply = stagingRows("cold", await stagings("cold"));
  if (only.has("warm")) stagingRows("warm", await stagings("warm"));

  if (only.has("overhead")) {
    progress("by hand: tar xzf + pip install");
    const tar: number[] = [];
    const pipTimes: number[] = [];
    const floor: number[] = [];
    let installed = "";
    for (let i = 0; i < runs; i++) {
      const root = join(WORK, `by-hand-${i}`);
      const r = await byHandStaging(root, runtime.tarball, pip);
      tar.push(s(r.tarMs));
      pipTimes.push(s(r.pipMs));
      floor.push(s(r.tarMs + r.pipMs));
      installed = r.installed;
      await removeTree(root);
    }
    const extract = (results.extract as { extractArchive: number[] }).extractArchive;
    const overhead = summarize(coldSupply).median -
      (summarize(extract).median + summarize(pipTimes).median);
    add({ group: "overhead", name: "by hand: tar xzf", unit: "s", values: tar, official: 0.66 });
    add({
      group: "overhead",
      name: "by hand: python -m pip install -r requirements.txt",
      unit: "s",
      values: pipTimes,
      official: 3.17,
    });
    add({
      group: "overhead",
      name: "by-hand floor: tar xzf + pip install",
      unit: "s",
      values: floor,
      official: 3.83,
    });
    add({
      group: "overhead",
      name: "cold supply - (extractArchive + pip), medians",
      unit: "s",
      values: [],
      median: overhead,
      target: { max: 0.2, text: "< 0.2 s" },
    });
    results.overhead = { tar, pip: pipTimes, floor, overhead, installed };
  }

  if (only.has("rss")) {
    if (!time) {
      progress("GNU time (/usr/bin/time) not found: no %M; apt-get install -y time");
    }
    if (!sampling) progress("/proc sampling unavailable: no per-process peaks");
    if (time || sampling) {
      for (const kind of ["cold", "warm"] as const) {
        const tree: number[] = [];
        const deno: number[] = [];
        const py: number[] = [];
        const other: string[] = [];
        for (let i = 0; i < runs; i++) {
          progress(`rss: ${kind} supply ${i + 1}/${runs}`);
          const dirs = await freshStaging(
            join(WORK, `rss-${kind}-${i}`),
            kind === "warm" ? warmCache : undefined,
          );
          const r = await stageOnce(bp, dirs, pip, kind, {
            gnuTime: time,
            sample: sampling,
          });
          await removeTree(dirs.root);
          if (r.supply.maxRssKb !== undefined) tree.push(r.supply.maxRssKb / 1024);
          const peaks = r.supply.peaks ?? [];
          const max = (f: (name: string) => boolean) =>
            Math.max(0, ...peaks.filter((p) => f(p.name)).map((p) => p.hwmKb)) / 1024;
          if (sampling) {
            deno.push(max((n) => n === "deno"));
            const pyPeak = max((n) => n.startsWith("python"));
            if (pyPeak > 0) py.push(pyPeak);
          }
          for (const p of peaks) {
            if (p.name !== "deno" && !p.name.startsWith("python") && p.name !== "time") {
              other.push(`${p.name} ${(p.hwmKb / 1024).toFixed(1)}`);
            }
          }
        }
        if (tree.length) {
          add({
            group: "rss",
            name: `${kind} supply: GNU time %M (largest single process of the tree)`,
            unit: "MiB",
            values: tree,
          });
        }
        if (deno.length) {
          add({
            group: "rss",
            name: `${kind} supply: deno process VmHWM (sampled every 10 ms)`,
            unit: "MiB",
            values: deno,
            official: 41,
            target: { max: 64, text: "< 64 MB" },
          });
        }
        if (py.length) {
          add({
            group: "rss",
            name: `${kind} supply: largest python (pip) child VmHWM (sampled)`,
            unit: "MiB",
            values: py,
            official: kind === "cold" ? 57 : undefined,
          });
        }
        results[`rss_${kind}`] = { gnuTimeMaxRss: tree, deno, python: py, other };
      }
    }
  }

  const text = table(rows);
  console.log(`\n${text}`);
  const checks = targetChecks(rows);
  if (checks.length) console.log(`\n${checks.join("\n")}`);
  results.rows = rows.map((r) => ({ ...r, summary: summarize(r.values) }));
  await Deno.writeTextFile(join(WORK, "results.json"), JSON.stringify(results, null, 2) + "\n");
  if (write) {
    await updateReadme(README, {
      machine: info,
      runs,
      table: text,
      checks,
      gnuTime: time !== undefined,
      app: EXAMPLE_APP.slice(REPO.length + 1),
      runtime: `${runtime.version} (${runtime.tarball.split("/").pop()}, ${
        ((await Deno.stat(runtime.tarball)).size / 1e6).toFixed(1)
      } MB)`,
      denoDir: denoDir(),
    });
    progress(`results written to ${README}`);
  } else {
    progress(
      `bench/README.md not rewritten (${only.size < BENCHMARKS.length ? "--only" : "--no-write"})`,
    );
  }
  if (!keep) {
    for (const e of await Array.fromAsync(Deno.readDir(WORK))) {
      if (e.name !== "results.json") await removeTree(join(WORK, e.name));
    }
  }
}

if (import.meta.main) await main();
