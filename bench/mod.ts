/**
 * `deno task bench [--runs N] [--only NAME[,NAME]] [--no-write] [--keep]`:
 * staging benchmarks of the buildpack with the real Flask + gunicorn example
 * app and a real CPython 3.11 runtime tarball (see bench/README.md).
 *
 * Benchmarks (NAME): `detect`, `cold`, `warm`, `overhead`, `extract`, `rss`.
 * After `detect`, the others run in N rounds, each round one run of every
 * selected benchmark, so that a change in the machine's load during the run
 * hits all of them alike. A full run (no `--only`) rewrites the results
 * block of bench/README.md; every run writes `bench/.work/results.json`.
 * @module
 */
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { pythonRuntime } from "../tests/support/runtimes.ts";
import { mirrorEnv } from "../tests/support/pip_mirror.ts";
import { V8_FLAGS } from "../tools/package/compile.ts";
import {
  type ByHandRun,
  byHandStaging,
  extractionRound,
  inflateOnly,
  type LockRun,
  lockStaging,
  pinnedRequirements,
  runtimeVersions,
  withoutBytecode,
} from "./by_hand.ts";
import {
  denoDir,
  EXAMPLE_APP,
  freshStaging,
  prepareBuildpack,
  prepareZipBuildpack,
  REPO,
  runPhase,
  stageOnce,
  stagingEnv,
  type StagingResult,
  type SupplyMarks,
  supplyMarks,
} from "./staging.ts";
import {
  canSampleProc,
  cpuTicks,
  fileCreationMicros,
  gnuTime,
  otherCpuSeconds,
  removeTree,
  runTimed,
  summarize,
  sync,
  tryOutput,
  waitForQuiet,
} from "./support.ts";
import { type Machine, type Row, table, targetChecks, updateReadme } from "./report.ts";
import { type Attempt, Measurer } from "./measure.ts";

const BENCHMARKS = [
  "detect",
  "cold",
  "warm",
  "overhead",
  "extract",
  "rss",
  "bytecode",
  "pinned",
] as const;
type Benchmark = typeof BENCHMARKS[number];

const WORK = join(REPO, "bench", ".work");
/** A round starts once other processes use less than this many CPUs. */
const QUIET_CPUS = 0.2;
/** A measurement during which other processes used more CPUs than this is repeated. */
const DISTURBED_CPUS = 0.35;
const README = join(REPO, "bench", "README.md");

function usage(message?: string): never {
  if (message) console.error(`bench: ${message}`);
  console.error(
    "usage: deno task bench [--runs N] [--only NAME[,NAME...]] [--no-write] [--keep] " +
      "[--max-wait SECONDS]\n" +
      `NAME: ${BENCHMARKS.join(", ")} (overhead also runs cold and extract; bytecode, overhead)`,
  );
  Deno.exit(2);
}

interface Cli {
  runs: number;
  only: Set<Benchmark>;
  write: boolean;
  keep: boolean;
  /** Longest wait for a quiet machine before a round, ms. */
  maxWaitMs: number;
}

function parseCli(): Cli {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        runs: { type: "string", default: "5" },
        only: { type: "string", multiple: true },
        "no-write": { type: "boolean", default: false },
        keep: { type: "boolean", default: false },
        "max-wait": { type: "string", default: "300" },
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
  const maxWait = Number(values["max-wait"]);
  if (!Number.isFinite(maxWait) || maxWait < 0) {
    usage(`--max-wait wants seconds, got ${values["max-wait"]}`);
  }
  const names = (values.only ?? []).flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(BENCHMARKS as readonly string[]).includes(n)) usage(`unknown benchmark '${n}'`);
  }
  const only = new Set<Benchmark>(names.length ? names as Benchmark[] : BENCHMARKS);
  // The overhead is cold supply minus separately measured extraction and pip.
  // The runtime without bytecode is compared with the one with it: its cold
  // staging and by-hand floor.
  if (only.has("bytecode")) only.add("cold").add("overhead");
  if (only.has("overhead")) only.add("cold").add("extract");
  return {
    runs,
    only,
    write: !values["no-write"] && names.length === 0,
    keep: values.keep,
    maxWaitMs: maxWait * 1000,
  };
}

function progress(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`[bench] ${text}\n`));
}

/** ms to s. */
const s = (ms: number) => ms / 1000;
/** A staging's supply + finalize + release, s. */
const stagingTotal = (r: StagingResult) => s(r.supply.ms + r.finalize.ms + r.release.ms);
/** KiB to MiB. */
const mib = (kb: number) => kb / 1024;

async function machine(tarball: string, run: string): Promise<Machine> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(
    /^model name\s*:\s*(.*)$/m,
  )?.[1];
  const versions = await runtimeVersions(tarball, join(run, "versions"));
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

/**
 * VmHWM (KiB) of a fresh deno running bench/probe.ts, with the V8 flags
 * supply runs with (the dev shim's and the executable's): without them the
 * young generation grows to 4 MiB semi-spaces and the probe's rows overstate
 * what the same work costs in supply (measured: 69-72 MiB against 65 MiB
 * for loading + extractArchive).
 */
async function probe(env: Record<string, string>, cwd: string, args: string[]): Promise<number> {
  const r = await runTimed(Deno.execPath(), [
    "run",
    "-A",
    "--no-prompt",
    "--quiet",
    "--frozen",
    `--v8-flags=${V8_FLAGS}`,
    `--config=${join(REPO, "deno.json")}`,
    join(REPO, "bench", "probe.ts"),
    ...args,
  ], { env, cwd });
  const kb = Number(r.lines[0]?.text);
  if (r.code !== 0 || !Number.isFinite(kb)) throw new Error(`probe ${args[0]}: ${r.stderr}`);
  return kb;
}

/** The 1.15x target of every B / A row (issue 9: a runtime without bytecode vs one with it). */
const BYTECODE_TARGET = { max: 1.15, text: "<= 1.15x" };

/** `num[i] / den[i]` for each round: both from the same minutes of the same run. Pure. */
function perRound(num: number[], den: number[]): number[] {
  return num.map((v, i) => v / den[i]);
}

/**
 * Run `a` and `b`, `a` first in even rounds and `b` first in odd ones: neither
 * always follows the other's deletions.
 */
async function inAlternatingOrder<A, B>(
  round: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A, B]> {
  if (round % 2) {
    const second = await b();
    return [await a(), second];
  }
  const first = await a();
  return [first, await b()];
}

/** A round starts once creating a file costs less than this many us (about 25-40 on a settled disk). */
const FAST_CREATE_US = 100;
/** How often the file-creation probe runs while it waits, ms. */
const CREATE_PROBE_EVERY_MS = 15_000;

/**
 * Wait (at most `maxWaitMs`) until creating a file in `parent` costs less than
 * {@link FAST_CREATE_US} (see `fileCreationMicros`: the minutes after mass
 * deletions); resolves to the last probe's us. Each probe's 300 files stay.
 */
async function waitForFastFileCreation(
  parent: string,
  maxWaitMs: number,
  before: string,
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (let first = true;; first = false) {
    const us = fileCreationMicros(join(parent, `create-probe-${crypto.randomUUID().slice(0, 8)}`));
    if (us < FAST_CREATE_US || Date.now() >= deadline) return us;
    if (first) {
      progress(
        `creating a file costs ${us.toFixed(0)} us (recent mass deletions: ext4 without a ` +
          `journal skips recently deleted inodes); waiting up to ${maxWaitMs / 1000} s for ` +
          `less than ${FAST_CREATE_US} before ${before} (see bench/README.md, noise control)`,
      );
    }
    await new Promise((r) => setTimeout(r, CREATE_PROBE_EVERY_MS));
  }
}

/** Every tree stays until the end: make sure they fit (about 0.6 GB a round). */
async function checkFreeSpace(dir: string, runs: number): Promise<void> {
  const line = (await tryOutput("df", ["-Pk", dir]))?.split("\n").pop()?.split(/\s+/);
  const freeKb = Number(line?.[3]);
  const needKb = (1 + runs * 0.6) * 1024 * 1024;
  if (Number.isFinite(freeKb) && freeKb < needKb) {
    throw new Error(
      `bench: ${dir} has ${(freeKb / 2 ** 20).toFixed(1)} GB free; ${runs} runs need about ` +
        `${(needKb / 2 ** 20).toFixed(1)} GB (every tree is kept until the measurements end)`,
    );
  }
}

async function main(): Promise<void> {
  const { runs, only, write, keep, maxWaitMs } = parseCli();
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
  // Nothing is deleted until every measurement is taken: on ext4, files
  // created within minutes of mass deletions cost many times more kernel
  // time (the inode allocator skips recently deleted inodes), which made
  // whichever extraction came first after a deletion look slow. Each
  // measurement waits for a settled disk (see waitForFastFileCreation).
  const run = join(WORK, `run-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await Deno.mkdir(run, { recursive: true });
  await checkFreeSpace(run, runs);
  const time = only.has("rss") ? await gnuTime() : undefined;
  const sampling = canSampleProc();
  if (only.has("rss") && !time) {
    progress("GNU time (/usr/bin/time) not found: no %M figures (apt-get install -y time)");
  }
  if (only.has("rss") && !sampling) progress("/proc sampling unavailable: no per-process peaks");
  const info = await machine(runtime.tarball, run);
  progress(`${runs} run(s) of ${[...only].join(", ")}; work dir ${run}`);
  const load0 = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  const cpu0 = cpuTicks();
  const wall0 = performance.now();
  /** us per file created, probed before each measurement. */
  const createMicros: number[] = [];
  const measurer = new Measurer({
    waitQuiet: async (section) => {
      createMicros.push(await waitForFastFileCreation(run, maxWaitMs, section));
      await waitForQuiet(QUIET_CPUS, maxWaitMs, (busy) =>
        progress(
          `other processes use ${busy.toFixed(2)} CPUs; waiting up to ${maxWaitMs / 1000} s ` +
            `for less than ${QUIET_CPUS} before ${section}`,
        ));
    },
    startAccounting: () => {
      const ticks = cpuTicks();
      const at = performance.now();
      return () => otherCpuSeconds(ticks, cpuTicks()) / s(performance.now() - at);
    },
    disturbed: (cpus) => cpus > DISTURBED_CPUS,
    onDiscard: (section, cpus) =>
      progress(
        `${section}: other processes used ${cpus.toFixed(2)} CPUs meanwhile; discarded, again ` +
          "in fresh directories",
      ),
  }, { retries: runs * 4 });
  /**
   * Run one measurement once the machine is quiet; when other processes
   * used more than DISTURBED_CPUS meanwhile, discard it and measure again in
   * fresh directories (at most 4 x runs times in all).
   */
  const measured = <T>(section: string, fn: (attempt: Attempt) => Promise<T>): Promise<T> =>
    measurer.measure(section, fn);

  const bp = await prepareBuildpack(join(run, "buildpack"), runtime);
  const rows: Row[] = [];
  const add = (row: Row) => rows.push(row);
  const results: Record<string, unknown> = { machine: info, runs };

  // The same runtime without bytecode, in a buildpack copy of its own.
  const noBytecode = only.has("bytecode")
    ? await withoutBytecode(runtime.tarball, join(run, "no-bytecode"), runtime.version)
    : undefined;
  const bpNoBytecode = noBytecode
    ? await prepareBuildpack(join(run, "buildpack-no-bytecode"), noBytecode)
    : undefined;
  // Both runtimes from buildpack copies laid out as cached zips, and B from
  // one laid out as an online zip (A's is `bp`: no archive for a runtime
  // with bytecode): B's then carry the bytecode archive the packager makes.
  const cachedA = noBytecode
    ? await prepareZipBuildpack(join(run, "buildpack-cached-a"), runtime, { cached: true })
    : undefined;
  const cachedB = noBytecode
    ? await prepareZipBuildpack(join(run, "buildpack-cached-b"), noBytecode, { cached: true })
    : undefined;
  const onlineB = noBytecode
    ? await prepareZipBuildpack(join(run, "buildpack-online-b"), noBytecode, { cached: false })
    : undefined;
  const pins = only.has("pinned")
    ? await pinnedRequirements(runtime.tarball, join(run, "pins"), pip)
    : undefined;

  // Warm deno's module cache for the buildpack copies (a release build is
  // compiled: it has nothing to transpile). Untimed.
  for (
    const [i, copy] of [bp, bpNoBytecode, cachedA?.dir, cachedB?.dir, onlineB?.dir].entries()
  ) {
    if (!copy) continue;
    const dirs = await freshStaging(join(run, `warmup-${i}`));
    const r = await runPhase(
      copy,
      "detect",
      [dirs.buildDir],
      stagingEnv(dirs.home, pip),
      dirs.home,
    );
    if (r.code !== 0) throw new Error(`bin/detect failed: ${r.stderr}`);
  }

  if (only.has("detect")) {
    progress("detect");
    const dirs = await freshStaging(join(run, "detect"));
    const env = stagingEnv(dirs.home, pip);
    const empty = join(run, "empty.ts");
    await Deno.writeTextFile(empty, "export {};\n");
    const config = join(bp, "deno.json");
    const emptyArgs = ["run", "-A", "--no-prompt", "--quiet", "--frozen", `--config=${config}`];
    await runTimed(Deno.execPath(), [...emptyArgs, empty], { env, cwd: dirs.home }); // cache
    const detect: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [d, e] = await measured(`detect ${i + 1}/${runs}`, async () => {
        const r = await runPhase(bp, "detect", [dirs.buildDir], env, dirs.home);
        if (r.code !== 0 || !r.lines[0]?.text.startsWith("python ")) {
          throw new Error(`bin/detect: exit ${r.code}, ${r.lines[0]?.text}`);
        }
        // The floor of any phase under the dev shim: deno starting on an empty module.
        const e = await runTimed(Deno.execPath(), [...emptyArgs, empty], { env, cwd: dirs.home });
        if (e.code !== 0) throw new Error(`deno run empty.ts: ${e.stderr}`);
        return [r.ms, e.ms];
      });
      detect.push(s(d));
      floor.push(s(e));
    }
    add({ group: "detect", name: "bin/detect APP", unit: "s", values: detect, official: 0.009 });
    add({
      group: "detect",
      name: "  floor: deno run of an empty module, same flags",
      unit: "s",
      values: floor,
    });
    results.detect = { detect, denoEmpty: floor };
  }

  // A first cold staging, untimed: it fills the page cache (wheels, deno's
  // modules) and its app cache is the "previous staging" of every warm run.
  const warmCache = join(run, "warm-cache", "final");
  if (only.has("cold") || only.has("warm") || only.has("rss")) {
    progress("priming staging (untimed)");
    const dirs = await freshStaging(join(run, "prime"), warmCache);
    await stageOnce(bp, dirs, pip, "cold");
  }
  if (bpNoBytecode) {
    progress("priming staging without bytecode (untimed)");
    await stageOnce(bpNoBytecode, await freshStaging(join(run, "prime-b")), pip, "cold");
  }
  for (const [name, copy] of [["a", cachedA], ["b", cachedB], ["online-b", onlineB]] as const) {
    if (!copy) continue;
    progress(`priming staging from a zip layout (${name}, untimed)`);
    await stageOnce(copy.dir, await freshStaging(join(run, `prime-zip-${name}`)), pip, "cold");
  }
  if (only.has("extract")) {
    // One untimed round: the extractor JIT-warm, the tarball in the page cache.
    await extractionRound(join(run, "extract"), runtime.tarball, "warmup", true);
  }

  const cold: StagingResult[] = [];
  const warm: StagingResult[] = [];
  const byHand: { tar: number; pip: number; pipExit?: number; installed: string }[] = [];
  /** By hand with supply's pip work: `--no-compile` and the compiler beside pip. */
  const byHandAsSupply: ByHandRun[] = [];
  const coldB: StagingResult[] = [];
  const coldOnlineB: StagingResult[] = [];
  const coldCached: { a: StagingResult; b: StagingResult }[] = [];
  const byHandB: ByHandRun[] = [];
  const byHandBCompiled: ByHandRun[] = [];
  const pinned: {
    resolve: ByHandRun;
    lock: LockRun;
    noDeps: ByHandRun;
    noCompile: ByHandRun;
  }[] = [];
  const extraction: { ours: number; tar: number }[] = [];
  const extractionTmpfs: { ours: number; tar: number }[] = [];
  const inflate: { streamMs: number; gzipMs: number }[] = [];
  const tmpfs = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "bench-extract-" })
    .catch(() => undefined);
  const rss: Record<"cold" | "warm", StagingResult[]> = { cold: [], warm: [] };

  const staging = async (
    kind: "cold" | "warm",
    name: string,
    options: { measureRss?: boolean; buildpack?: string } = {},
  ) => {
    const measureRss = options.measureRss ?? false;
    const dirs = await freshStaging(join(run, name), kind === "warm" ? warmCache : undefined);
    await sync();
    const r = await stageOnce(
      options.buildpack ?? bp,
      dirs,
      pip,
      kind,
      measureRss ? { gnuTime: time, sample: sampling } : {},
    );
    return r;
  };

  for (let i = 0; i < runs; i++) {
    const round = `round ${i + 1}/${runs}`;
    if (only.has("cold")) {
      progress(`${round}: cold staging`);
      cold.push(await measured(`${round} cold`, (a) => staging("cold", a.fresh(`cold-${i}`))));
    }
    if (only.has("warm")) {
      progress(`${round}: warm restage`);
      warm.push(await measured(`${round} warm`, (a) => staging("warm", a.fresh(`warm-${i}`))));
    }
    if (only.has("overhead")) {
      progress(`${round}: by hand, tar xzf + pip install`);
      const r = await measured(
        `${round} by hand`,
        (a) => byHandStaging(join(run, a.fresh(`by-hand-${i}`)), runtime.tarball, { pip }),
      );
      byHand.push({ tar: r.tarMs, pip: r.pipMs, pipExit: r.pipExitMs, installed: r.installed });
      progress(`${round}: by hand, tar xzf + pip install --no-compile + compiler beside it`);
      byHandAsSupply.push(
        await measured(
          `${round} by hand as supply`,
          (a) =>
            byHandStaging(join(run, a.fresh(`by-hand-nc-${i}`)), runtime.tarball, {
              pip,
              compileInstalled: true,
            }),
        ),
      );
    }
    if (noBytecode && bpNoBytecode && onlineB) {
      progress(
        `${round}: without bytecode: cold staging without and with an online zip's archive, ` +
          "by hand, by hand + compiler",
      );
      const noArchive = () =>
        measured(
          `${round} cold, no bytecode`,
          (a) => staging("cold", a.fresh(`cold-b-${i}`), { buildpack: bpNoBytecode }),
        );
      const online = () =>
        measured(
          `${round} cold, no bytecode, online zip's archive`,
          (a) => staging("cold", a.fresh(`cold-online-b-${i}`), { buildpack: onlineB.dir }),
        );
      const [without, withArchive] = await inAlternatingOrder(i, noArchive, online);
      coldB.push(without);
      coldOnlineB.push(withArchive);
      byHandB.push(
        await measured(
          `${round} by hand, no bytecode`,
          (a) => byHandStaging(join(run, a.fresh(`by-hand-b-${i}`)), noBytecode.tarball, { pip }),
        ),
      );
      byHandBCompiled.push(
        await measured(
          `${round} by hand, no bytecode, compiler beside pip`,
          (a) =>
            byHandStaging(join(run, a.fresh(`by-hand-bc-${i}`)), noBytecode.tarball, {
              pip,
              compile: { version: runtime.version },
            }),
        ),
      );
    }
    if (cachedA && cachedB) {
      progress(`${round}: cached zips: cold staging with A, with B and its bytecode archive`);
      const one = (name: "a" | "b") =>
        measured(
          `${round} cold, cached zip ${name.toUpperCase()}`,
          (att) =>
            staging("cold", att.fresh(`cold-cached-${name}-${i}`), {
              buildpack: (name === "a" ? cachedA : cachedB).dir,
            }),
        );
      const [a, b] = await inAlternatingOrder(i, () => one("a"), () => one("b"));
      coldCached.push({ a, b });
    }
    if (pins) {
      progress(`${round}: pinned and hashed: pip install -r vs the buildpack's lock install`);
      const byHand = (name: string, pipArgs: string[]) =>
        measured(
          `${round} pinned ${name}`,
          (a) =>
            byHandStaging(join(run, a.fresh(`pinned-${name}-${i}`)), runtime.tarball, {
              pip,
              requirements: "pins.txt",
              appFiles: { "pins.txt": pins },
              pipArgs,
            }),
        );
      const lock = () =>
        measured(
          `${round} pinned lock`,
          (a) =>
            lockStaging(join(run, a.fresh(`pinned-lock-${i}`)), runtime.tarball, { pip, pins }),
        );
      // Alternate which goes first, as the extraction race does.
      const variants = ["resolve", "lock", "nodeps", "nocompile"] as const;
      const got: Partial<Record<(typeof variants)[number], ByHandRun>> = {};
      let lockRun: LockRun | undefined;
      for (const name of i % 2 ? [...variants].reverse() : variants) {
        if (name === "lock") lockRun = await lock();
        else if (name === "resolve") got.resolve = await byHand(name, []);
        else if (name === "nodeps") got.nodeps = await byHand(name, ["--no-deps"]);
        else got.nocompile = await byHand(name, ["--no-deps", "--no-compile"]);
      }
      const installed = (line: string) => line.split(" ").slice(2).sort().join(" ");
      if (installed(lockRun!.installed) !== installed(got.resolve!.installed)) {
        throw new Error(
          `the lock install installed other packages:\n${lockRun!.installed}\n${
            got.resolve!.installed
          }`,
        );
      }
      pinned.push({
        resolve: got.resolve!,
        lock: lockRun!,
        noDeps: got.nodeps!,
        noCompile: got.nocompile!,
      });
    }
    if (only.has("extract")) {
      progress(`${round}: extractArchive vs tar xzf`);
      const r = await measured(
        `${round} extract`,
        (a) =>
          extractionRound(
            join(run, "extract"),
            runtime.tarball,
            a.fresh(`round-${i}`),
            i % 2 === 0,
          ),
      );
      extraction.push({ ours: r.extractArchiveMs, tar: r.tarMs });
      inflate.push(await measured(`${round} inflate`, () => inflateOnly(runtime.tarball)));
      if (tmpfs) {
        const t = await measured(
          `${round} extract on tmpfs`,
          (a) => extractionRound(tmpfs, runtime.tarball, a.fresh(`round-${i}`), i % 2 === 0),
        );
        extractionTmpfs.push({ ours: t.extractArchiveMs, tar: t.tarMs });
      }
    }
    if (only.has("rss") && (time || sampling)) {
      progress(`${round}: supply memory, cold and warm`);
      rss.cold.push(
        await measured(
          `${round} rss cold`,
          (a) => staging("cold", a.fresh(`rss-cold-${i}`), { measureRss: true }),
        ),
      );
      rss.warm.push(
        await measured(
          `${round} rss warm`,
          (a) => staging("warm", a.fresh(`rss-warm-${i}`), { measureRss: true }),
        ),
      );
    }
  }

  const stagingRows = (kind: "cold" | "warm", list: StagingResult[]) => {
    const isCold = kind === "cold";
    const supply = list.map((r) => s(r.supply.ms));
    const marks = list.map((r) => supplyMarks(r.supply));
    add({
      group: kind,
      name: "bin/supply",
      unit: "s",
      values: supply,
      official: isCold ? 4.28 : 4.32,
    });
    const part = (name: string, f: (m: SupplyMarks) => number | undefined) => {
      const values = marks.map(f);
      if (values.every((v) => v !== undefined)) {
        add({ group: kind, name: `  ${name}`, unit: "s", values: (values as number[]).map(s) });
      }
    };
    const span = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined ? b - a : undefined;
    part("spawn -> first log line (deno start, module load)", (m) => m.firstLine);
    if (isCold) {
      part(
        "'Installing python' -> 'Running Pip Install' (copy + sha256, extract)",
        (m) => span(m.installing, m.pipStep),
      );
      part(
        "'Running Pip Install' -> pip's first line (python + pip start)",
        (m) => span(m.pipStep, m.pipFirst),
      );
      part(
        "'Running Pip Install' -> 'Successfully installed' (pip)",
        (m) => span(m.pipStep, m.pipDone),
      );
      part(
        "'Successfully installed' -> exit (pip exit, relocate, links, cache save)",
        (m) => span(m.pipDone, m.exit),
      );
    } else {
      part(
        "first log line -> exit (restore, check, relink, save)",
        (m) => span(m.firstLine, m.exit),
      );
    }
    add({
      group: kind,
      name: "bin/finalize",
      unit: "s",
      values: list.map((r) => s(r.finalize.ms)),
      official: 0.022,
    });
    add({
      group: kind,
      name: "bin/release",
      unit: "s",
      values: list.map((r) => s(r.release.ms)),
      official: 0.008,
    });
    add({
      group: kind,
      name: "staging total (supply + finalize + release)",
      unit: "s",
      values: list.map(stagingTotal),
      official: isCold ? 4.33 : 4.37,
      target: isCold ? { max: 3.8, text: "< 3.8 s" } : { max: 0.3, text: "< 0.3 s" },
    });
    results[kind] = {
      supply,
      finalize: list.map((r) => s(r.finalize.ms)),
      release: list.map((r) => s(r.release.ms)),
      marks,
      log: list[0]?.supply.lines.map((l) => `${s(l.at).toFixed(3)} ${l.text}`),
    };
  };
  if (cold.length) stagingRows("cold", cold);
  if (warm.length) stagingRows("warm", warm);

  if (byHand.length) {
    const tar = byHand.map((r) => s(r.tar));
    const pipTimes = byHand.map((r) => s(r.pip));
    // Supply's pip work: pip --no-compile and the installed packages' compiler beside it.
    const pipAsSupply = byHandAsSupply.map((r) => s(r.pipMs));
    const ours = extraction.map((r) => s(r.ours));
    const supply = cold.map((r) => s(r.supply.ms));
    const perRound = supply.map((v, i) => v - (ours[i] + pipAsSupply[i]));
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
      values: byHand.map((r) => s(r.tar + r.pip)),
      official: 3.83,
    });
    add({
      group: "overhead",
      name: "by hand: supply's pip work (pip --no-compile -r + the compiler beside it)",
      unit: "s",
      values: pipAsSupply,
    });
    add({
      group: "overhead",
      name: "cold supply - (extractArchive + supply's pip work), per round",
      unit: "s",
      values: perRound,
      target: { max: 0.15, text: "< 0.15 s" },
    });
    add({
      group: "overhead",
      name: "  the same from the medians",
      unit: "s",
      values: [],
      median: summarize(supply).median - (summarize(ours).median + summarize(pipAsSupply).median),
    });
    add({
      group: "overhead",
      name: "  cold supply - (extractArchive + plain pip install), per round",
      unit: "s",
      values: supply.map((v, i) => v - (ours[i] + pipTimes[i])),
    });
    const marks = cold.map((r) => supplyMarks(r.supply));
    const fromLog = marks.map((m) =>
      s(m.exit - (m.pipStep! - m.installing!) - (m.pipDone! - m.pipStep!))
    );
    add({
      group: "overhead",
      name: "  from the supply log: supply - runtime step - pip step",
      unit: "s",
      values: fromLog,
    });
    // The log's pip step ends at pip's last line; pip's exit after it (and the
    // compiler's last files) are pip's work, not ours.
    const pipExits = byHandAsSupply.map((r) => r.pipExitMs);
    if (pipExits.every((v) => v !== undefined)) {
      add({
        group: "overhead",
        name: "  by hand: pip's 'Successfully installed' -> exit and compiler done",
        unit: "s",
        values: pipExits.map((v) => s(v!)),
      });
      add({
        group: "overhead",
        name: "  from the supply log, less pip's exit by hand, per round",
        unit: "s",
        values: fromLog.map((v, i) => v - s(pipExits[i]!)),
      });
    }
    results.overhead = {
      tar,
      pip: pipTimes,
      pipAsSupply,
      perRound,
      installed: byHand[0].installed,
    };
  }

  if (coldB.length && byHand.length) {
    const a = basename(runtime.tarball);
    const b = basename(noBytecode!.tarball);
    const floorA = byHand.map((r) => s(r.tar + r.pip));
    const floorB = byHandB.map((r) => s(r.tarMs + r.pipMs));
    const coldA = cold.map(stagingTotal);
    const coldBs = coldB.map(stagingTotal);
    const coldOnlineBs = coldOnlineB.map(stagingTotal);
    add({ group: "bytecode", name: `A = ${a} (with bytecode)`, unit: "", values: [] });
    add({ group: "bytecode", name: "  A: cold staging total", unit: "s", values: coldA });
    add({
      group: "bytecode",
      name: "  A: by-hand floor, tar xzf + pip",
      unit: "s",
      values: floorA,
    });
    add({
      group: "bytecode",
      name: "  A: cold staging / by-hand floor, per round",
      unit: "x",
      values: perRound(coldA, floorA),
    });
    add({ group: "bytecode", name: `B = ${b} (A without __pycache__)`, unit: "", values: [] });
    add({
      group: "bytecode",
      name: `  B from an online zip (${onlineB?.archive ?? "no archive"}): cold staging total`,
      unit: "s",
      values: coldOnlineBs,
    });
    add({
      group: "bytecode",
      name: "  B, no archive (a runtime no zip has bytecode for): cold staging total",
      unit: "s",
      values: coldBs,
    });
    add({
      group: "bytecode",
      name: "  B: by-hand floor, tar xzf + pip",
      unit: "s",
      values: floorB,
    });
    add({
      group: "bytecode",
      name: "  B, no archive: cold staging / by-hand floor, per round",
      unit: "x",
      values: perRound(coldBs, floorB),
    });
    add({
      group: "bytecode",
      name: "online zips: cold staging B / cold staging A, per round",
      unit: "x",
      values: perRound(coldOnlineBs, coldA),
      target: BYTECODE_TARGET,
    });
    add({
      group: "bytecode",
      name: "  no archive: cold staging B / cold staging A, per round",
      unit: "x",
      values: perRound(coldBs, coldA),
    });
    add({
      group: "bytecode",
      name: "by hand B, pip only",
      unit: "s",
      values: byHandB.map((r) => s(r.pipMs)),
    });
    add({
      group: "bytecode",
      name: "by hand B + bytecode.ts compiler beside pip: pip only",
      unit: "s",
      values: byHandBCompiled.map((r) => s(r.pipMs)),
    });
    add({
      group: "bytecode",
      name: "by hand B + compiler: pip and compiler both done",
      unit: "s",
      values: byHandBCompiled.map((r) => s(r.pipAndCompileMs!)),
    });
    add({
      group: "bytecode",
      name: "by hand: floor B + compiler / floor A, per round",
      unit: "x",
      values: byHandBCompiled.map((r, i) => s(r.tarMs + r.pipAndCompileMs!) / floorA[i]),
    });
    add({
      group: "bytecode",
      name: "by hand: floor B / floor A, per round (no compiler)",
      unit: "x",
      values: perRound(floorB, floorA),
    });
    results.bytecode = {
      tarballA: a,
      tarballB: b,
      coldA,
      coldB: coldBs,
      coldOnlineB: coldOnlineBs,
      onlineArchive: onlineB?.archive,
      floorA,
      floorB,
      byHandB,
      byHandBCompiled,
      coldBLog: coldB[0]?.supply.lines.map((l) => `${s(l.at).toFixed(3)} ${l.text}`),
    };
  }

  if (coldCached.length) {
    const a = coldCached.map((r) => stagingTotal(r.a));
    const b = coldCached.map((r) => stagingTotal(r.b));
    add({
      group: "bytecode",
      name: `cached zips: A's, and B's with ${cachedB?.archive ?? "no archive"}`,
      unit: "",
      values: [],
    });
    add({
      group: "bytecode",
      name: "  A from a cached zip: cold staging total",
      unit: "s",
      values: a,
    });
    add({
      group: "bytecode",
      name: "  B from a cached zip: cold staging total",
      unit: "s",
      values: b,
    });
    add({
      group: "bytecode",
      name: "cached zips: cold staging B / cold staging A, per round",
      unit: "x",
      values: perRound(b, a),
      target: BYTECODE_TARGET,
    });
    results.bytecodeCached = {
      archive: cachedB?.archive,
      coldA: a,
      coldB: b,
      coldBLog: coldCached[0].b.supply.lines.map((l) => `${s(l.at).toFixed(3)} ${l.text}`),
    };
  }

  if (pinned.length) {
    const resolve = pinned.map((r) => s(r.resolve.pipMs));
    const lock = pinned.map((r) => s(r.lock.installMs));
    const noDeps = pinned.map((r) => s(r.noDeps.pipMs));
    const noCompile = pinned.map((r) => s(r.noCompile.pipMs));
    add({
      group: "pinned",
      name: `pip install -r pins.txt (${pins!.trim().split("\n").length} pins with hashes)`,
      unit: "s",
      values: resolve,
    });
    add({
      group: "pinned",
      name: "the buildpack's install of them as a lock: pip --no-deps --no-compile + compiler",
      unit: "s",
      values: lock,
    });
    add({
      group: "pinned",
      name: "speed-up of the buildpack's lock install over pip install -r, per round",
      unit: "x",
      values: pinned.map((r) => r.resolve.pipMs / r.lock.installMs),
      target: { min: 1.3, text: ">= 1.3x" },
    });
    add({
      group: "pinned",
      name: "  by hand: pip install --no-deps -r pins.txt",
      unit: "s",
      values: noDeps,
    });
    add({
      group: "pinned",
      name: "  by hand: speed-up of --no-deps alone, per round",
      unit: "x",
      values: pinned.map((r) => r.resolve.pipMs / r.noDeps.pipMs),
    });
    add({
      group: "pinned",
      name: "  by hand: --no-deps --no-compile (no .pyc for the installed packages)",
      unit: "s",
      values: noCompile,
    });
    results.pinned = {
      pins,
      resolve,
      lock,
      noDeps,
      noCompile,
      lockCommands: pinned[0].lock.commands,
      lockDebug: pinned.map((r) => r.lock.debug),
    };
  }

  if (extraction.length) {
    const ours = extraction.map((r) => s(r.ours));
    const tar = extraction.map((r) => s(r.tar));
    add({ group: "extract", name: "extractArchive (in process)", unit: "s", values: ours });
    add({ group: "extract", name: "GNU tar xzf", unit: "s", values: tar });
    add({
      group: "extract",
      name: "ratio extractArchive / tar (median of per-round ratios)",
      unit: "x",
      values: extraction.map((r) => r.ours / r.tar),
      target: { max: 1.2, text: "<= 1.2x" },
    });
    add({
      group: "extract",
      name: "  ratio of the medians",
      unit: "x",
      values: [],
      median: summarize(ours).median / summarize(tar).median,
    });
    add({
      group: "extract",
      name: "  inflate alone: DecompressionStream (extractArchive's without gzip)",
      unit: "s",
      values: inflate.map((r) => s(r.streamMs)),
    });
    add({
      group: "extract",
      name: "  inflate alone: gzip -dc > /dev/null (tar's and extractArchive's, own process)",
      unit: "s",
      values: inflate.map((r) => s(r.gzipMs)),
    });
    results.extract = { extractArchive: ours, tar, inflate };
  }
  if (extractionTmpfs.length) {
    const ours = extractionTmpfs.map((r) => s(r.ours));
    const tar = extractionTmpfs.map((r) => s(r.tar));
    add({ group: "extract", name: "on tmpfs (/dev/shm): extractArchive", unit: "s", values: ours });
    add({ group: "extract", name: "on tmpfs (/dev/shm): GNU tar xzf", unit: "s", values: tar });
    add({
      group: "extract",
      name: "on tmpfs: ratio (median of per-round ratios)",
      unit: "x",
      values: extractionTmpfs.map((r) => r.ours / r.tar),
    });
    results.extractTmpfs = { extractArchive: ours, tar };
  }
  if (tmpfs) await removeTree(tmpfs);

  if (rss.cold.length) {
    for (const kind of ["cold", "warm"] as const) {
      const list = rss[kind].map((r) => r.supply);
      const tree = list.map((r) => r.maxRssKb).filter((v): v is number => v !== undefined);
      const peak = (r: typeof list[number], f: (name: string) => boolean) =>
        Math.max(0, ...(r.peaks ?? []).filter((p) => f(p.name)).map((p) => p.hwmKb));
      if (tree.length) {
        add({
          group: "rss",
          name: `${kind} supply: GNU time %M (largest single process of the tree)`,
          unit: "MiB",
          values: tree.map(mib),
        });
      }
      if (sampling) {
        add({
          group: "rss",
          name: `${kind} supply: largest deno process's VmHWM (supply or its extract child)`,
          unit: "MiB",
          values: list.map((r) => mib(peak(r, (n) => n === "deno"))),
          official: 41,
          target: { max: 64, text: "< 64 MiB" },
        });
        if (kind === "cold") {
          add({
            group: "rss",
            name: `${kind} supply: largest python (pip) child's VmHWM (sampled)`,
            unit: "MiB",
            values: list.map((r) => mib(peak(r, (n) => n.startsWith("python")))),
            official: 57,
          });
        }
      }
      results[`rss_${kind}`] = list.map((r) => ({ gnuTimeKb: r.maxRssKb, peaks: r.peaks }));
    }
    // Where the deno peak comes from: the module graph alone, and extraction alone.
    const dirs = await freshStaging(join(run, "probe"));
    const env = stagingEnv(dirs.home, pip);
    await probe(env, dirs.home, ["baseline"]); // fills deno's cache for the probe
    const base: number[] = [];
    const extract: number[] = [];
    const install: number[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(mib(await probe(env, dirs.home, ["baseline"])));
      const target = join(dirs.root, `x-${i}`);
      extract.push(mib(await probe(env, dirs.home, ["extract", runtime.tarball, target])));
      install.push(
        mib(
          await probe(env, dirs.home, [
            "install",
            runtime.tarball,
            runtime.sha256,
            join(dirs.root, `i-${i}`),
          ]),
        ),
      );
    }
    add({
      group: "rss",
      name: "deno loading the buildpack's modules, nothing else (bench/probe.ts)",
      unit: "MiB",
      values: base,
    });
    add({
      group: "rss",
      name: "deno loading them + extractArchive of the runtime (bench/probe.ts)",
      unit: "MiB",
      values: extract,
    });
    add({
      group: "rss",
      name:
        "deno loading them + supply's file:// install of the runtime (verify, cache copy, extract)",
      unit: "MiB",
      values: install,
    });
    results.rss_probe = { baseline: base, extract, install };
  }

  const wall = s(performance.now() - wall0);
  const others = otherCpuSeconds(cpu0, cpuTicks());
  const perSection = summarize(measurer.background.map((b) => b.cpus));
  const creating = summarize(createMicros);
  const load = `other processes used ${others.toFixed(1)} CPU-s during the ${wall.toFixed(0)} s ` +
    `run (${(others / wall).toFixed(2)} of ${info.nproc} CPUs on average); during the ` +
    `${perSection.n} kept measurements: median ${perSection.median.toFixed(2)}, ` +
    `max ${perSection.max.toFixed(2)} CPUs; ${measurer.discarded} measurement(s) discarded as ` +
    `disturbed (> ${DISTURBED_CPUS} CPUs); load average at start ${load0}; creating a file ` +
    `before each measurement: median ${creating.median.toFixed(0)} us, max ` +
    `${creating.max.toFixed(0)} us`;
  results.backgroundPerSection = measurer.background;

  const text = table(rows);
  console.log(`\n${text}\n\nbackground: ${load}`);
  const checks = targetChecks(rows);
  if (checks.length) console.log(`\n${checks.join("\n")}`);
  results.background = load;
  results.rows = rows.map((r) => ({ ...r, summary: summarize(r.values) }));
  await Deno.writeTextFile(join(WORK, "results.json"), JSON.stringify(results, null, 2) + "\n");
  if (write) {
    await updateReadme(README, {
      machine: info,
      runs,
      table: text,
      checks,
      background: load,
      gnuTime: time !== undefined,
      app: EXAMPLE_APP.slice(REPO.length + 1),
      runtime: `${runtime.tarball.split("/").pop()} (${
        ((await Deno.stat(runtime.tarball)).size / 1e6).toFixed(1)
      } MB)`,
      denoDir: denoDir(),
    });
    progress(`results written to ${README}`);
  } else {
    progress("bench/README.md not rewritten (--only or --no-write)");
  }
  // Now the deletions: this run's trees (unless --keep) and any left by
  // earlier runs that did not finish.
  for (const e of await Array.fromAsync(Deno.readDir(WORK))) {
    if (e.name === "results.json" || (keep && join(WORK, e.name) === run)) continue;
    await removeTree(join(WORK, e.name));
  }
  if (keep) progress(`scratch trees kept in ${run}`);
}

if (import.meta.main) await main();
