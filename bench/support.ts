/**
 * Benchmark mechanics: timing child processes (with a timestamp on every
 * stdout line), statistics, a sampler of per-process peak RSS (`VmHWM`) over
 * a process tree, GNU time, and small file-system helpers.
 * @module
 */

/** Median, min and max of some measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median (mean of the middle two for an even count), min and max. */
export function summarize(values: number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** One stdout line of a child and when it arrived (ms after the spawn). */
export interface TimedLine {
  at: number;
  text: string;
}

/** What {@link runTimed} measured. */
export interface Timed {
  /** Wall time from just before the spawn to the exit status, ms. */
  ms: number;
  /** Exit code (128+n for a signal). */
  code: number;
  /** stdout lines with arrival times. */
  lines: TimedLine[];
  /** stderr, whole. */
  stderr: string;
}

/** Options of {@link runTimed}. */
export interface RunOptions {
  /** The complete environment (nothing of ours leaks in). */
  env: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** Called with the child's pid right after the spawn. */
  onSpawn?: (pid: number) => void;
}

/** Run `cmd args` with a clean env; wall time and timestamped stdout lines. */
export async function runTimed(cmd: string, args: string[], options: RunOptions): Promise<Timed> {
  const started = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  options.onSpawn?.(child.pid);
  const lines: TimedLine[] = [];
  const pump = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of child.stdout) {
      const at = performance.now() - started;
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        lines.push({ at, text: pending.slice(0, nl) });
        pending = pending.slice(nl + 1);
      }
    }
    pending += decoder.decode();
    if (pending) lines.push({ at: performance.now() - started, text: pending });
  })();
  const stderr = new Response(child.stderr).text();
  const status = await child.status;
  const ms = performance.now() - started;
  await pump;
  return {
    ms,
    code: status.signal ? 128 + (status.signal === "SIGKILL" ? 9 : 15) : status.code,
    lines,
    stderr: await stderr,
  };
}

/** Run a command to completion, quietly; throws with its stderr when it fails. */
export async function runChecked(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.env !== undefined,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}):\n${text}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return text;
}

/** stdout of a command, or undefined if it cannot run or fails. */
export async function tryOutput(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    if (!out.success) return undefined;
    const text = new TextDecoder().decode(out.stdout).trim() ||
      new TextDecoder().decode(out.stderr).trim();
    return text;
  } catch {
    return undefined;
  }
}

/** Flush dirty pages so one run's writeback does not land in the next run's timing. */
export async function sync(): Promise<void> {
  await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output().catch(() => {});
}

/** `cp -a from to` (to must not exist). */
export async function copyTree(from: string, to: string): Promise<void> {
  await runChecked("cp", ["-a", from, to]);
}

/** Remove a tree, ignoring a missing one. */
export async function removeTree(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

// ---------------------------------------------------------------------------
// Peak RSS

/** Peak RSS of one process seen by the sampler. */
export interface ProcessPeak {
  pid: number;
  /** `/proc/<pid>/comm` (the executable's name: `deno`, `python3`, `cp`, ...). */
  name: string;
  /** Largest `VmHWM` read, KiB. */
  hwmKb: number;
}

function procStatus(pid: number): { name: string; hwmKb: number } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return undefined;
  }
  const name = text.match(/^Name:\s*(.*)$/m)?.[1] ?? "?";
  const hwm = text.match(/^VmHWM:\s*(\d+)\s*kB$/m);
  // Zombies and kernel threads have no VmHWM.
  return hwm ? { name, hwmKb: Number(hwm[1]) } : undefined;
}

function procChildren(pid: number): number[] {
  const children: number[] = [];
  let tasks: Deno.DirEntry[];
  try {
    tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
  } catch {
    return children;
  }
  for (const t of tasks) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/children`).trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    } catch { /* the thread is gone */ }
  }
  return children;
}

/** Whether this machine lets us sample `/proc/<pid>/status` and children lists. */
export function canSampleProc(): boolean {
  try {
    Deno.readTextFileSync(`/proc/${Deno.pid}/task/${Deno.pid}/children`);
    return procStatus(Deno.pid) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Samples the `VmHWM` (peak resident set) of every process of a tree every
 * `intervalMs`. `VmHWM` only grows, so the last sample of a process is its
 * peak up to that moment: what is missed is growth in the last interval
 * before it exits, and processes that live shorter than one interval.
 * A pid is recorded once per executable name, so the bash shim that `exec`s
 * deno and deno itself are told apart.
 */
export class TreeSampler {
  #peaks = new Map<string, ProcessPeak>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #root = 0;

  /** Start sampling the tree under `rootPid`. */
  start(rootPid: number, intervalMs = 10): void {
    this.#root = rootPid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Take one sample now. */
  sample(): void {
    const seen = new Set<number>();
    const walk = (pid: number) => {
      if (seen.has(pid)) return;
      seen.add(pid);
      const st = procStatus(pid);
      if (st) {
        const key = `${pid}:${st.name}`;
        const prev = this.#peaks.get(key);
        if (!prev || st.hwmKb > prev.hwmKb) {
          this.#peaks.set(key, { pid, name: st.name, hwmKb: st.hwmKb });
        }
      }
      for (const c of procChildren(pid)) walk(c);
    };
    walk(this.#root);
  }

  /** Stop; every process seen with its peak. */
  stop(): ProcessPeak[] {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return [...this.#peaks.values()];
  }
}

/**
 * `/usr/bin/time` (or `$BENCH_GNU_TIME`; empty disables it) when it is GNU
 * time (understands `-f %M -o FILE`).
 */
export async function gnuTime(): Promise<string | undefined> {
  const path = Deno.env.get("BENCH_GNU_TIME") ?? "/usr/bin/time";
  if (!path) return undefined;
  try {
    const file = await Deno.makeTempFile({ prefix: "bench-time-" });
    try {
      const out = await new Deno.Command(path, {
        args: ["-f", "%M", "-o", file, "true"],
        stdout: "null",
        stderr: "null",
      }).output();
      const text = (await Deno.readTextFile(file)).trim();
      return out.success && /^\d+$/.test(text) ? path : undefined;
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  } catch {
    return undefined;
  }
}

/** Read GNU time's `%M` (KiB) from its `-o` file (the last line; an exit notice may precede it). */
export async function readMaxRss(file: string): Promise<number | undefined> {
  try {
    const last = (await Deno.readTextFile(file)).trim().split("\n").pop() ?? "";
    return /^\d+$/.test(last) ? Number(last) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Other processes' CPU use (the machine may be shared)

/** Clock ticks per second of /proc/stat and /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** Busy ticks of the whole machine and ticks of this process plus its reaped children. */
export function cpuTicks(): { machineBusy: number; ours: number } {
  try {
    const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    return { machineBusy: busy, ours: fields[11] + fields[12] + fields[13] + fields[14] };
  } catch {
    return { machineBusy: NaN, ours: NaN };
  }
}

/** CPU-seconds other processes used between two {@link cpuTicks} readings. */
export function otherCpuSeconds(
  a: { machineBusy: number; ours: number },
  b: { machineBusy: number; ours: number },
): number {
  return Math.max(0, (b.machineBusy - a.machineBusy) - (b.ours - a.ours)) / USER_HZ;
}

/**
 * What creating a file costs here now, in us: `n` empty files created in a
 * fresh directory `dir` (which must not exist; it is kept: deleting it would
 * slow the next creations). ext4 without a journal skips inodes deleted in
 * the last minutes when it allocates new ones, so after mass deletions (an
 * earlier run's trees, a test suite) every file costs many times its usual
 * kernel time, and a staging creates thousands.
 */
export function fileCreationMicros(dir: string, n = 300): number {
  Deno.mkdirSync(dir);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    Deno.openSync(`${dir}/${i}`, { write: true, createNew: true }).close();
  }
  return (performance.now() - started) * 1000 / n;
}

/**
 * Wait until other processes use less than `threshold` CPUs over a
 * `windowMs` window, for at most `maxWaitMs`; resolves to the last
 * window's figure (NaN without /proc).
 */
export async function waitForQuiet(
  threshold: number,
  maxWaitMs: number,
  onWait: (busy: number) => void,
  windowMs = 2000,
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (let first = true;; first = false) {
    const a = cpuTicks();
    await new Promise((r) => setTimeout(r, windowMs));
    const busy = otherCpuSeconds(a, cpuTicks()) / (windowMs / 1000);
    if (!(busy >= threshold) || Date.now() >= deadline) return busy;
    if (first) onWait(busy);
  }
}
